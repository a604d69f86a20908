using LinkGateway.ProxyTrust;
using LinkGateway.Signing;

namespace LinkGateway.Forwarding;

/// <summary>The header contract to the origin (docs/reference/header-contract.md), and what a client may not pass to it.</summary>
public static class BotHeaders
{
    // Not part of the signature, so not among the verifiers' BotHeaderNames (docs/reference/header-contract.md).
    public const string RequestId = "X-Bot-Request-Id";

    // Set by YARP from the gateway's view of the request; from a client only through a trusted proxy.
    private const string ForwardedPrefix = "X-Forwarded-";

    // ASP.NET's forwarded-headers middleware leaves X-Original-For/-Proto/-Host/-Prefix behind; IIS-style origins
    // (Symfony, Laminas) route by X-Original-URL instead of the request's path, around the shield.
    private const string OriginalPrefix = "X-Original-";

    // Headers origins take for the client's address (only the gateway's X-Forwarded-For may say it); for the host,
    // scheme or path to route or build links by (X-Rewrite-URL, X-Host; X-Forwarded-Server even from a trusted proxy:
    // the gateway never sets it); or for another method than the request's (a forwarded GET acting as a POST, and the
    // signature covers the method on the wire).
    private static readonly string[] _neverFromClients =
    [
        "X-Real-IP", "True-Client-IP", "CF-Connecting-IP", "Fastly-Client-IP", "X-Client-IP", "X-Cluster-Client-IP", "Forwarded",
        "Client-IP", "X-Originating-IP", "X-Remote-IP", "X-Remote-Addr", "X-ProxyUser-Ip", "X-Envoy-External-Address",
        "X-Azure-ClientIP", "X-Azure-SocketIP", "Akamai-Client-IP", "X-Forwarded", "Forwarded-For",
        "X-Rewrite-URL", "X-Host", "X-Forwarded-Server", "Front-End-Https", "X-Url-Scheme",
        "X-HTTP-Method-Override", "X-Method-Override", "X-HTTP-Method",
    ];

    // Never removed because a client named them in Connection: the hop-by-hop headers the forwarder manages itself (it
    // never copies them, and re-adds Upgrade for a protocol switch), and Host and Content-Length, by which the gateway
    // has already routed and read the request.
    private static readonly string[] _keptWhenNamed =
        ["Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length"];

    /// <summary>One of the gateway's X-Bot-* names, compared as origins compare them: any case, "_" read as "-" (CGI and WSGI merge both into HTTP_X_BOT_…).</summary>
    public static bool IsBotHeader(string name) => Spells(name, BotHeaderNames.Prefix, prefixOnly: true);

    /// <summary>
    /// A header the client may not pass to the origin: anything that spells an X-Bot-* name, a client-address or
    /// path-override header, X-Original-*, and X-Forwarded-* unless the immediate peer is a trusted proxy (an
    /// underscore spelling of X-Forwarded-* never comes from a proxy). Names compare as origins compare them.
    /// </summary>
    public static bool IsForbiddenFromClient(string name, bool fromTrustedProxy)
    {
        if (IsBotHeader(name) || Spells(name, OriginalPrefix, prefixOnly: true))
        {
            return true;
        }

        foreach (var forbidden in _neverFromClients)
        {
            if (Spells(name, forbidden, prefixOnly: false))
            {
                return true;
            }
        }

        return Spells(name, ForwardedPrefix, prefixOnly: true) && (!fromTrustedProxy || name.Contains('_', StringComparison.Ordinal));
    }

    /// <summary>
    /// Removes what the client may not pass to the origin (<see cref="IsForbiddenFromClient"/>), and the headers it names
    /// in Connection: RFC 9110 §7.6.1 makes them hop-by-hop, for the gateway and not the origin. Done on the incoming
    /// headers before YARP copies them and before the gateway adds its own, so a client naming X-Bot-Verdict or
    /// X-Forwarded-For in Connection removes only what it sent itself. Kestrel's header dictionary enumerates without
    /// parsing, the outgoing HttpRequestMessage's would parse every value.
    /// </summary>
    public static void StripFromClient(HttpContext context)
    {
        var headers = context.Request.Headers;
        var fromTrustedProxy = PeerTrustFeature.IsTrustedProxyPeer(context);
        List<string>? forbidden = null;
        // The pairs, not Keys: Kestrel's Keys builds a set of every name, on every request.
        foreach (var header in headers)
        {
            if (IsForbiddenFromClient(header.Key, fromTrustedProxy))
            {
                (forbidden ??= []).Add(header.Key);
            }
        }

        foreach (var value in headers.Connection)
        {
            var options = (value ?? string.Empty).AsSpan();
            foreach (var range in options.Split(','))
            {
                // Browsers send "keep-alive": a name the forwarder manages itself, checked without a string.
                var option = options[range].Trim();
                if (option.IsEmpty || IsKeptWhenNamed(option))
                {
                    continue;
                }

                var name = option.ToString();
                if (headers.ContainsKey(name))
                {
                    (forbidden ??= []).Add(name);
                }
            }
        }

        foreach (var name in forbidden ?? [])
        {
            headers.Remove(name);
        }
    }

    private static bool IsKeptWhenNamed(ReadOnlySpan<char> option)
    {
        foreach (var kept in _keptWhenNamed)
        {
            if (option.Equals(kept, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><paramref name="name"/> is <paramref name="expected"/> (or starts with it), ignoring ASCII case, with "_" read as "-".</summary>
    private static bool Spells(string name, string expected, bool prefixOnly)
    {
        if (prefixOnly ? name.Length < expected.Length : name.Length != expected.Length)
        {
            return false;
        }

        for (var i = 0; i < expected.Length; i++)
        {
            var c = name[i] == '_' ? '-' : name[i];
            if (char.ToLowerInvariant(c) != char.ToLowerInvariant(expected[i]))
            {
                return false;
            }
        }

        return true;
    }
}
