using System.Globalization;
using LinkGateway.Guard;
using LinkGateway.Signing;
using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace LinkGateway.Forwarding;

/// <summary>
/// On every route: removes whatever X-Bot-* headers the client sent, then adds the gateway's verdict
/// and its signature. It is added after the route's own transforms, so the signed path is the one the
/// origin receives.
/// </summary>
internal sealed class BotHeadersTransformProvider(BotHeaderSignature signature, TimeProvider time) : ITransformProvider
{
    // Added to the request by UseForwardedHeaders; the origin gets X-Forwarded-For from YARP instead.
    private static readonly string[] _forwardedHeaderLeftovers = ["X-Original-For", "X-Original-Proto", "X-Original-Host"];

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
        List<string>? spoofed = null;
        foreach (var header in headers)
        {
            if (BotHeaders.IsBotHeader(header.Key))
            {
                (spoofed ??= []).Add(header.Key);
            }
        }

        if (context.ProxyRequest.Content is { } content)
        {
            foreach (var header in content.Headers)
            {
                if (BotHeaders.IsBotHeader(header.Key))
                {
                    content.Headers.Remove(header.Key);
                }
            }
        }

        if (spoofed is not null)
        {
            foreach (var name in spoofed)
            {
                headers.Remove(name);
            }
        }

        foreach (var name in _forwardedHeaderLeftovers)
        {
            headers.Remove(name);
        }

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
