using System.Net;
using Microsoft.Extensions.Options;

namespace LinkGateway.ProxyTrust;

/// <summary>
/// Whether the request's immediate peer is a trusted proxy (LinkGateway:ForwardedHeaders; loopback always), as
/// <see cref="PeerTrustMiddleware"/> found it before the forwarded-headers middleware replaced the peer's address
/// with the client's. Only a trusted proxy may pass X-Forwarded-* and a JA4 header.
/// </summary>
internal sealed class PeerTrustFeature
{
    public static readonly PeerTrustFeature Trusted = new(true);
    public static readonly PeerTrustFeature Untrusted = new(false);

    private PeerTrustFeature(bool isTrustedProxy) => IsTrustedProxy = isTrustedProxy;

    public bool IsTrustedProxy { get; }

    /// <summary>The request came from a trusted proxy; false when nobody looked.</summary>
    public static bool IsTrustedProxyPeer(HttpContext context) => context.Features.Get<PeerTrustFeature>()?.IsTrustedProxy == true;
}

/// <summary>Records <see cref="PeerTrustFeature"/>; runs before the forwarded-headers middleware, with the same trust.</summary>
internal sealed class PeerTrustMiddleware
{
    private readonly RequestDelegate _next;
    private readonly ForwardedHeadersOptions _trust;

    public PeerTrustMiddleware(RequestDelegate next, IOptions<ForwardedHeadersOptions> trust)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(trust);
        _next = next;
        _trust = trust.Value;
    }

    public Task InvokeAsync(HttpContext context)
    {
        context.Features.Set(IsTrusted(context.Connection.RemoteIpAddress) ? PeerTrustFeature.Trusted : PeerTrustFeature.Untrusted);
        return _next(context);
    }

    private bool IsTrusted(IPAddress? peer)
    {
        if (peer is null)
        {
            return false;
        }

        var address = peer.IsIPv4MappedToIPv6 ? peer.MapToIPv4() : peer;
        return _trust.KnownProxies.Any(p => p.Equals(address)) || _trust.KnownIPNetworks.Any(n => n.Contains(address));
    }
}
