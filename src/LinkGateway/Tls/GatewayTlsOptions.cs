namespace LinkGateway.Tls;

/// <summary>
/// LinkGateway:Tls: the gateway's own listeners (the Redis connection's TLS is its configuration string's). HTTPS itself is
/// Kestrel's (Kestrel:Endpoints); the certificates come from Kestrel's configuration, or by SNI from
/// <see cref="CertificateFolder"/>. Read at start-up; the folder's files are watched.
/// </summary>
public sealed class GatewayTlsOptions
{
    /// <summary>
    /// A header in which a TLS-terminating load balancer passes the client's JA4 (e.g. "X-JA4"); read only from
    /// trusted proxies (LinkGateway:ForwardedHeaders) and never forwarded. Off by default.
    /// </summary>
    public string? Ja4Header { get; set; }

    /// <summary>
    /// A folder of PEM certificates (NAME.pem with NAME.key, or a combined NAME.pem) that every HTTPS endpoint chooses from by
    /// the client's server name (SNI), relative to the configuration file's folder; reloaded when its files change. Off by
    /// default: Kestrel's own certificate configuration serves.
    /// </summary>
    public string? CertificateFolder { get; set; }

    /// <summary>The certificate folder's full path, or null when none is configured.</summary>
    public string? CertificateFolderPath(string configDirectory) =>
        string.IsNullOrWhiteSpace(CertificateFolder) ? null : Path.GetFullPath(CertificateFolder, configDirectory);

    public void Validate(string configDirectory, List<string> errors)
    {
        if (CertificateFolderPath(configDirectory) is not { } folder)
        {
            return;
        }

        if (!Directory.Exists(folder))
        {
            errors.Add($"LinkGateway:Tls:CertificateFolder: the folder {folder} does not exist (create it, empty if the certificates come later)");
            return;
        }

        try
        {
            _ = Directory.EnumerateFiles(folder, "*.pem").Any();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"LinkGateway:Tls:CertificateFolder: the folder {folder} cannot be read ({e.Message}); give the gateway's user read access");
        }
    }
}
