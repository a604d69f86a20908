using Microsoft.AspNetCore.HttpOverrides;

namespace LinkGateway.ProxyTrust;

/// <summary>
/// Notes requests that carry X-Forwarded-For from a peer that is not a trusted proxy (as <see cref="PeerTrustFeature"/>
/// found it), for <see cref="UntrustedForwarders"/>. Runs before the forwarded-headers middleware, while the connection's
/// address is still the peer's.
/// </summary>
internal sealed class UntrustedForwarderMiddleware(RequestDelegate next, UntrustedForwarders forwarders)
{
    public Task InvokeAsync(HttpContext context)
    {
        if (context.Connection.RemoteIpAddress is { } peer && !PeerTrustFeature.IsTrustedProxyPeer(context)
            && context.Request.Headers.ContainsKey(ForwardedHeadersDefaults.XForwardedForHeaderName))
        {
            forwarders.Seen(peer);
        }

        return next(context);
    }
}
