using System.Globalization;
using LinkGateway.Contracts;
using LinkGateway.Signing;
using Yarp.ReverseProxy.Transforms.Builder;
using Yarp.ReverseProxy.Transforms;

namespace LinkGateway.Forwarding;

/// <summary>
/// On every route: adds the gateway's verdict (the client's own X-Bot-* headers were removed by the guard before
/// YARP copied the request, <see cref="BotHeaders.StripFromClient"/>) and hands it to <see cref="SigningHandler"/>,
/// which signs it over the request as it goes on the wire.
/// </summary>
internal sealed class BotHeadersTransformProvider : ITransformProvider
{
    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context) => context.AddRequestTransform(Transform);

    private ValueTask Transform(RequestTransformContext context)
    {
        var headers = context.ProxyRequest.Headers;
        if (context.HttpContext.Features.Get<LinkGuardFeature>() is not { } guard)
        {
            return ValueTask.CompletedTask;
        }

        var verdict = guard.Verdict;
        headers.TryAddWithoutValidation(BotHeaders.RequestId, guard.RequestId);
        headers.TryAddWithoutValidation(BotHeaderNames.Score, verdict.Score.ToString(CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(BotHeaderNames.Verdict, verdict.KindName);
        headers.TryAddWithoutValidation(BotHeaderNames.Reasons, verdict.Reasons);
        if (verdict.Degraded is { } degraded)
        {
            headers.TryAddWithoutValidation(BotHeaderNames.Degraded, degraded);
        }

        // Signed by the cluster's last handler, over the request line as it is sent (SigningHandler).
        context.ProxyRequest.Options.Set(SigningHandler.VerdictKey, verdict);
        return ValueTask.CompletedTask;
    }
}
