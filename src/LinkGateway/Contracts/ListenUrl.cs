using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;

namespace LinkGateway.Contracts;

/// <summary>
/// What Kestrel will do with a listen address, checked before it does it. Kestrel reads any host it cannot parse
/// as an address ("http://gateway.internal:8080", a mistyped "http://127.0.0.300:8080") as "every interface", with
/// only a log line to say so; an admin API or a gateway meant for loopback would then answer the whole network.
/// So a host must be an address, localhost, or a wildcard written on purpose.
/// </summary>
public static partial class ListenUrl
{
    /// <summary>Kestrel's address when neither urls nor http_ports/https_ports say one.</summary>
    private const string KestrelDefault = "http://localhost:5000";

    /// <summary>
    /// The addresses the gateway listens on, as Kestrel chooses them: <paramref name="urls"/> ("urls", ASPNETCORE_URLS), else
    /// the ports in <paramref name="httpPorts"/> and <paramref name="httpsPorts"/> (on every interface), else Kestrel's default
    /// http://localhost:5000; then the Kestrel:Endpoints' <paramref name="endpoints"/>, first address first.
    /// </summary>
    public static IEnumerable<ListenAddress> OfGateway(string? urls, string? httpPorts, string? httpsPorts, IEnumerable<string?> endpoints)
    {
        var written = Split(urls).Select(url => new ListenAddress("urls", url, Reachable(url))).ToList();
        if (written.Count == 0)
        {
            written.AddRange(Ports("http_ports", "http", httpPorts).Concat(Ports("https_ports", "https", httpsPorts)));
        }

        if (written.Count == 0)
        {
            written.Add(new ListenAddress("default", KestrelDefault, Reachable(KestrelDefault)));
        }

        return written.Concat(endpoints.Select(url => new ListenAddress("Kestrel:Endpoints", url ?? "", Reachable(url ?? ""))));
    }

    /// <summary>
    /// A listen URL as a client on this machine reaches it: a wildcard host (+, *, 0.0.0.0, [::]) or localhost becomes
    /// 127.0.0.1, since Uri cannot parse the first two and "every interface" includes loopback; null when it is not a URL.
    /// </summary>
    public static Uri? Reachable(string url)
    {
        var wildcard = WildcardHost().Match(url);
        var address = wildcard.Success ? $"{wildcard.Groups["scheme"].Value}://127.0.0.1{url[wildcard.Length..]}" : url;
        return Uri.TryCreate(address, UriKind.Absolute, out var uri) ? uri : null;
    }

    private static IEnumerable<ListenAddress> Ports(string setting, string scheme, string? ports) =>
        Split(ports, ';', ',').Select(port => new ListenAddress(setting, port,
            int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var number) && number is > 0 and <= IPEndPoint.MaxPort
                ? new Uri($"{scheme}://127.0.0.1:{number}")
                : null));

    /// <summary>The entries of a ';'-separated list of listen URLs (or of ports, with <paramref name="separators"/>).</summary>
    public static string[] Split(string? list, params char[] separators) =>
        (list ?? "").Split(separators.Length == 0 ? [';'] : separators, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    [GeneratedRegex(@"^(?<scheme>https?)://(?:\+|\*|0\.0\.0\.0|\[::\]|localhost)(?=[:/]|$)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex WildcardHost();

    /// <summary>The problems of a ';'-separated list of listen URLs, each a sentence naming the URL; none when all are sound.</summary>
    public static IEnumerable<string> Problems(string? urls, string example)
    {
        foreach (var url in Split(urls))
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

/// <summary>One address the gateway listens on: the setting it came from ("urls", "http_ports", "https_ports", "default",
/// "Kestrel:Endpoints"), as written there, and as a client on this machine reaches it (null when it is not a URL or port).</summary>
public readonly record struct ListenAddress(string Setting, string Written, Uri? Reachable);
