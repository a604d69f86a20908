using System.Net;

namespace LinkGateway.Hosting;

/// <summary>
/// <c>healthcheck [URL]</c>: GETs the gateway's own /healthz and exits 0 on 200, 1 otherwise. The container image's
/// HEALTHCHECK runs it, because the ASP.NET runtime image has neither curl nor wget. Without a URL it asks loopback at
/// the port the gateway was told to listen on by the environment (ASPNETCORE_URLS, then ASPNETCORE_HTTP_PORTS, then
/// Kestrel's default 5000), as a HEALTHCHECK runs in the gateway's container with the gateway's environment.
/// </summary>
public static class HealthCheckCommand
{
    public const string Usage = "usage: healthcheck [URL] (default: /healthz on loopback at the port of ASPNETCORE_URLS)";

    /// <summary>The exit code of a gateway that did not answer 200.</summary>
    public const int Unhealthy = 1;

    private const int KestrelDefaultPort = 5000;
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var target = args switch
        {
            [] => FromEnvironment(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"), Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS")),
            [var url] when Uri.TryCreate(url, UriKind.Absolute, out var given) && given.Scheme is "http" or "https" => given,
            [var url] => throw new GatewayConfigurationException([$"healthcheck: \"{url}\" is not an absolute http:// or https:// URL ({Usage})"]),
            _ => throw new GatewayConfigurationException([$"healthcheck: takes at most one URL ({Usage})"]),
        };

        // The gateway's own certificate names its public host, not loopback: on loopback, the check is of this process, not of the certificate.
        using var handler = new SocketsHttpHandler();
        if (target.IsLoopback)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
        }

        using var client = new HttpClient(handler) { Timeout = _timeout };
        try
        {
            using var response = await client.GetAsync(target).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                await output.WriteLineAsync($"healthy: {target} answered 200").ConfigureAwait(false);
                return 0;
            }

            await error.WriteLineAsync($"unhealthy: {target} answered {(int)response.StatusCode}").ConfigureAwait(false);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await error.WriteLineAsync($"unhealthy: {target}: {(e is TaskCanceledException ? $"no answer within {_timeout.TotalSeconds:0} s" : e.Message)}").ConfigureAwait(false);
        }

        return Unhealthy;
    }

    /// <summary>The first address the gateway listens on, with a wildcard host (+, *, 0.0.0.0, [::]) asked on loopback.</summary>
    internal static Uri FromEnvironment(string? urls, string? httpPorts)
    {
        var first = urls?.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
        if (first is null)
        {
            var port = httpPorts?.Split([';', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            port ??= KestrelDefaultPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return int.TryParse(port, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535
                ? new Uri($"http://127.0.0.1:{number}/healthz")
                : throw new GatewayConfigurationException([$"healthcheck: ASPNETCORE_HTTP_PORTS \"{port}\" is not a port; pass the URL ({Usage})"]);
        }

        // Uri does not parse "+" or "*" as a host: put loopback in their place first.
        var wildcard = System.Text.RegularExpressions.Regex.Match(first, "^(?<scheme>https?)://(?<host>\\+|\\*|0\\.0\\.0\\.0|\\[::\\]|localhost)(?<rest>:\\d+)?", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var address = wildcard.Success ? $"{wildcard.Groups["scheme"].Value}://127.0.0.1{wildcard.Groups["rest"].Value}" : first;
        return Uri.TryCreate(address, UriKind.Absolute, out var uri)
            ? new Uri(uri, "/healthz")
            : throw new GatewayConfigurationException([$"healthcheck: ASPNETCORE_URLS \"{first}\" is not a URL; pass the URL ({Usage})"]);
    }
}
