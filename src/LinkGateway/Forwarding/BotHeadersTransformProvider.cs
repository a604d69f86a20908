using System.Globalization;
using LinkGateway.Guard;
using LinkGateway.Signing;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace LinkGateway.Forwarding;

/// <summary>
/// On every route: adds the gateway's verdict and its signature (the client's own X-Bot-* headers were removed
/// by the guard before YARP copied the request, <see cref="BotHeaders.StripFromClient"/>). It is added after the
/// route's own transforms, so the signed path is the one the origin receives.
/// </summary>
internal sealed class BotHeadersTransformProvider(BotHeaderSignature signature, TimeProvider time) : ITransformProvider
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
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var pathAndQuery = context.Path.ToUriComponent() + context.Query.QueryString.ToUriComponent();
        var score = verdict.Score.ToString(CultureInfo.InvariantCulture);
        headers.TryAddWithoutValidation(BotHeaders.Score, score);
        headers.TryAddWithoutValidation(BotHeaders.Verdict, verdict.KindName);
        headers.TryAddWithoutValidation(BotHeaders.Reasons, verdict.Reasons);
        if (verdict.Degraded is { } degraded)
        {
            headers.TryAddWithoutValidation(BotHeaders.Degraded, degraded);
        }

        headers.TryAddWithoutValidation(BotHeaders.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(BotHeaders.Signature,
            signature.Sign(verdict.Score, verdict.KindName, verdict.Reasons, verdict.Degraded, context.HttpContext.Request.Method, pathAndQuery, timestamp));
        return ValueTask.CompletedTask;
    }
}
