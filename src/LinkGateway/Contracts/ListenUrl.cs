using System.Net;

namespace LinkGateway.Contracts;

/// <summary>
/// What Kestrel will do with a listen address, checked before it does it. Kestrel reads any host it cannot parse
/// as an address ("http://gateway.internal:8080", a mistyped "http://127.0.0.300:8080") as "every interface", with
/// only a log line to say so; an admin API or a gateway meant for loopback would then answer the whole network.
/// So a host must be an address, localhost, or a wildcard written on purpose.
/// </summary>
public static class ListenUrl
{
    /// <summary>The problems of a ';'-separated list of listen URLs, each a sentence naming the URL; none when all are sound.</summary>
    public static IEnumerable<string> Problems(string? urls, string example)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (Problem(url) is { } problem)
            {
                yield return $"\"{url}\" {problem} (e.g. {example})";
            }
        }
    }

    private static string? Problem(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? url[..schemeEnd].ToLowerInvariant() : null;
        if (scheme is not ("http" or "https"))
        {
            return "is not an http:// or https:// address with a port";
        }

        var rest = url[(schemeEnd + 3)..];
        if (rest.StartsWith("unix:", StringComparison.OrdinalIgnoreCase))
        {
            // A Unix socket (http://unix:/run/linkgateway.sock) is not on the network at all.
            return rest.Length > "unix:".Length ? null : "names no socket path";
        }

        var pathStart = rest.IndexOf('/');
        if (pathStart >= 0 && rest[pathStart..] != "/")
        {
            return "has a path; a listen address is a host and a port only";
        }

        var authority = pathStart >= 0 ? rest[..pathStart] : rest;
        var portStart = authority.LastIndexOf(':');
        if (portStart < 0 || authority.EndsWith(']'))
        {
            return "has no port";
        }

        if (!int.TryParse(authority[(portStart + 1)..], System.Globalization.NumberStyles.None, null, out var port) || port > IPEndPoint.MaxPort)
        {
            return $"has port {authority[(portStart + 1)..]}, not one from 0 to {IPEndPoint.MaxPort}";
        }

        var host = authority[..portStart];
        var literal = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return host is "*" or "+" || host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || IPAddress.TryParse(literal, out _) && LooksLikeAddress(literal)
            ? null
            : $"has host \"{host}\", which is not an IP address; Kestrel would listen on every interface (name the address, or 0.0.0.0 to mean every interface)";
    }

    // IPAddress.TryParse reads "1" or "10.1" as IPv4 addresses in the old inet_aton forms; a listen address has four parts or is IPv6.
    private static bool LooksLikeAddress(string literal) => literal.Contains(':') || literal.Count(c => c == '.') == 3;
}
