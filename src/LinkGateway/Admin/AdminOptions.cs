namespace LinkGateway.Admin;

public sealed class AdminOptions
{
    /// <summary>Where the admin API listens, e.g. "http://127.0.0.1:9090". Empty (default): no admin API.</summary>
    public string? Urls { get; set; }

    /// <summary>The bearer token, at least 32 characters. Required when Urls is set.</summary>
    public string? Token { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Urls);
}
