namespace LinkGateway.ProxyTrust;

/// <summary>Which proxies may set X-Forwarded-For / X-Forwarded-Proto. Loopback is always trusted.</summary>
public sealed class ProxyTrustOptions
{
    public List<string> KnownProxies { get; set; } = [];

    public List<string> KnownNetworks { get; set; } = [];

    public void Validate(List<string> errors)
    {
        for (var i = 0; i < KnownProxies.Count; i++)
        {
            if (!System.Net.IPAddress.TryParse(KnownProxies[i], out _))
            {
                errors.Add($"LinkGateway:ForwardedHeaders:KnownProxies:{i}: \"{KnownProxies[i]}\" is not an IP address");
            }
        }

        for (var i = 0; i < KnownNetworks.Count; i++)
        {
            if (!LinkGateway.Fingerprinting.NetworkText.TryParse(KnownNetworks[i], out var network))
            {
                errors.Add($"LinkGateway:ForwardedHeaders:KnownNetworks:{i}: \"{KnownNetworks[i]}\" is not a CIDR network (e.g. 10.0.0.0/8, host bits clear)");
            }
            else if (TooWide(network))
            {
                // A large share of the internet would be trusted proxies: anyone there could say who they are in X-Forwarded-For.
                errors.Add($"LinkGateway:ForwardedHeaders:KnownNetworks:{i}: \"{KnownNetworks[i]}\" is wider than a balancer's network (at most /8 for IPv4, /16 for IPv6); name the balancers' own networks");
            }
        }
    }

    /// <summary>Wider than /8 (IPv4, also written IPv4-mapped as ::ffff:0:0/96..) or /16 (IPv6).</summary>
    private static bool TooWide(System.Net.IPNetwork network) =>
        network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? network.PrefixLength < 8
        : network.BaseAddress.IsIPv4MappedToIPv6 ? network.PrefixLength < 96 + 8
        : network.PrefixLength < 16;
}
