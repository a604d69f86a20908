using LinkGateway.Fingerprinting;
using LinkGateway.ProxyTrust;

namespace LinkGateway.Tls;

/// <summary>
/// Behind a load balancer that terminates TLS, the balancer passes the client's JA4 in a header. The header is
/// believed only when the immediate peer is a trusted proxy (the same trust as X-Forwarded-For,
/// <see cref="PeerTrustFeature"/>), and it is removed from every request, so a client can neither plant a
/// fingerprint nor pass one to the origin.
/// </summary>
internal sealed class TrustedJa4HeaderMiddleware(RequestDelegate next, string header)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.TryGetValue(header, out var values))
        {
            headers.Remove(header);
            if (values.Count == 1 && Ja4.IsFingerprint(values[0]) && PeerTrustFeature.IsTrustedProxyPeer(context))
            {
                TlsClientHello.SetFromTrustedProxy(context, values[0]!);
            }
        }

        return next(context);
    }
}
