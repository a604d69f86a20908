using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace LinkGateway.ProxyTrust;

/// <summary>
/// Which peers may speak for a client (X-Forwarded-For, X-Forwarded-Proto, a balancer's JA4 header): loopback, and
/// LinkGateway:ForwardedHeaders, kept in ASP.NET's <see cref="ForwardedHeadersOptions"/> (PeerTrustMiddleware decides
/// per request); and which peers look like a balancer of the operator's own.
/// </summary>
public static class TrustedProxies
{
    // RFC 1918, CGNAT (RFC 6598), link-local, loopback, and their IPv6 kin (ULA fc00::/7, fe80::/10, ::1):
    // where a balancer in front of the gateway sits, and where no client on the internet comes from.
    private static readonly System.Net.IPNetwork[] _private =
    [
        .. new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128" }
            .Select(n => System.Net.IPNetwork.Parse(n)),
    ];

    public static void Configure(ForwardedHeadersOptions forwarded, ProxyTrustOptions trust)
    {
        forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
        forwarded.ForwardLimit = null; // Walk back through every trusted hop; stop at the first untrusted one.
        forwarded.KnownProxies.Clear();
        forwarded.KnownIPNetworks.Clear();
        forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse("127.0.0.0/8"));
        forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse("::1/128"));
        foreach (var proxy in trust.KnownProxies)
        {
            forwarded.KnownProxies.Add(IPAddress.Parse(proxy));
        }

        foreach (var network in trust.KnownNetworks)
        {
            Fingerprinting.NetworkText.TryParse(network, out var parsed);
            forwarded.KnownIPNetworks.Add(parsed);
        }
    }

    /// <summary>A private, shared, link-local or loopback address: a balancer's, never an internet client's.</summary>
    public static bool LooksPrivate(IPAddress peer)
    {
        var address = Unmapped(peer);
        return _private.Any(n => n.Contains(address));
    }

    /// <summary>An IPv4 client on a dual-stack socket arrives as ::ffff:a.b.c.d; lists name it a.b.c.d.</summary>
    public static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
