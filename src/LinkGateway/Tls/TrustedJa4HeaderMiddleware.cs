using System.Net;
using LinkGateway.Signatures;
using Microsoft.Extensions.Options;

namespace LinkGateway.Tls;

/// <summary>
/// Behind a load balancer that terminates TLS, the balancer passes the client's JA4 in a header. The header is
/// believed only when the immediate peer is a trusted proxy (the same trust as X-Forwarded-For), and it is
/// removed from every request, so a client can neither plant a fingerprint nor pass one to the origin.
/// Runs before the forwarded-headers middleware, while the connection's address is still the peer's.
/// </summary>
internal sealed class TrustedJa4HeaderMiddleware(RequestDelegate next, string header, IOptions<ForwardedHeadersOptions> trust)
{
    public Task InvokeAsync(HttpContext context)
    {
        var headers = context.Request.Headers;
        if (headers.TryGetValue(header, out var values))
        {
            headers.Remove(header);
            if (values.Count == 1 && SignatureLoader.IsJa4(values[0]) && IsTrusted(context.Connection.RemoteIpAddress))
            {
                TlsClientHello.SetFromTrustedProxy(context, values[0]!);
            }
        }

        return next(context);
    }

    private bool IsTrusted(IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }

        var options = trust.Value;
        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        return options.KnownProxies.Any(p => p.Equals(address)) || options.KnownIPNetworks.Any(n => n.Contains(address));
    }
}
