namespace LinkGateway.ProxyTrust;

/// <summary>Which proxies may set X-Forwarded-For / X-Forwarded-Proto. Loopback is always trusted.</summary>
public sealed class ProxyTrustOptions
{
    public List<string> KnownProxies { get; set; } = [];

    public List<string> KnownNetworks { get; set; } = [];
}
