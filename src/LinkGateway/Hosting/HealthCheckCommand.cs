using System.Net;
using LinkGateway.Contracts;

namespace LinkGateway.Hosting;

/// <summary>
/// <c>healthcheck [URL]</c>: GETs the gateway's own /healthz and exits 0 on 200, 1 otherwise. The container image's
/// HEALTHCHECK runs it, because the ASP.NET runtime image has neither curl nor wget. Without a URL it asks loopback at
/// the port the gateway was told to listen on by the environment (ASPNETCORE_URLS, then ASPNETCORE_HTTP_PORTS and
/// ASPNETCORE_HTTPS_PORTS, then Kestrel's default 5000), as a HEALTHCHECK runs in the gateway's container with the gateway's environment.
/// </summary>
public static class HealthCheckCommand
{
    public const string Usage = "usage: healthcheck [URL] (default: /healthz on loopback at the port of ASPNETCORE_URLS)";

    /// <summary>The exit code of a gateway that did not answer 200.</summary>
    public const int Unhealthy = 1;

    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(5);

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        var target = args switch
        {
            [] => FromEnvironment(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"), Environment.GetEnvironmentVariable("ASPNETCORE_HTTP_PORTS"),
                Environment.GetEnvironmentVariable("ASPNETCORE_HTTPS_PORTS")),
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

    /// <summary>The first address the gateway listens on (<see cref="ListenUrl.OfGateway"/>), a wildcard host asked on loopback.</summary>
    internal static Uri FromEnvironment(string? urls, string? httpPorts, string? httpsPorts = null)
    {
        var first = ListenUrl.OfGateway(urls, httpPorts, httpsPorts, []).First();
        return first.Reachable is { } address
            ? new Uri(address, "/healthz")
            : throw new GatewayConfigurationException(
                [$"healthcheck: ASPNETCORE_{first.Setting.ToUpperInvariant()} \"{first.Written}\" is not {(first.Setting == "urls" ? "a URL" : "a port")}; pass the URL ({Usage})"]);
    }
}
