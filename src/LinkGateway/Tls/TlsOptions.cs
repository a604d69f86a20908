namespace LinkGateway.Tls;

/// <summary>LinkGateway:Tls. HTTPS itself is Kestrel's (Kestrel:Endpoints with a certificate); this is the fingerprint.</summary>
public sealed class TlsOptions
{
    /// <summary>
    /// A header in which a TLS-terminating load balancer passes the client's JA4 (e.g. "X-JA4"); read only from
    /// trusted proxies (LinkGateway:ForwardedHeaders) and never forwarded. Off by default.
    /// </summary>
    public string? Ja4Header { get; set; }
}
