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
            else if (network.PrefixLength == 0)
            {
                // Every client would be a trusted proxy: anyone could say who they are in X-Forwarded-For.
                errors.Add($"LinkGateway:ForwardedHeaders:KnownNetworks:{i}: \"{KnownNetworks[i]}\" trusts every address as a proxy; name the balancers' own networks");
            }
        }
    }
}
