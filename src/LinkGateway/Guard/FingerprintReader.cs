using System.Globalization;
using System.Text;
using LinkGateway.Fingerprinting;
using LinkGateway.Links;

namespace LinkGateway.Guard;

/// <summary>Copies what detection needs out of the HTTP request: the one place that reads HttpContext for it.</summary>
internal static class FingerprintReader
{
    /// <summary>
    /// Longest id, in UTF-8 bytes, that is identity. Ids name store keys and fill fold-back events, and
    /// anyone can write any URL: a longer id, or one with control characters, is not identity, and the
    /// request is judged without it (docs/concepts/memory.md).
    /// </summary>
    public const int MaxIdBytes = 256;

    public static RequestFingerprint Read(HttpContext context, LinkKind kind, IdentityOptions identity, DateTimeOffset now)
    {
        var request = context.Request;
        var headers = request.Headers;
        return new RequestFingerprint
        {
            Method = request.Method,
            Kind = kind,
            UserAgent = Single(headers.UserAgent),
            Accept = Single(headers.Accept),
            HasAcceptLanguage = !string.IsNullOrWhiteSpace(headers.AcceptLanguage),
            HasSecFetch = headers.ContainsKey("Sec-Fetch-Mode"),
            RequestedWith = Single(headers.XRequestedWith),
            IsSecureContext = request.IsHttps || IsLoopbackHost(request.Host.Host),
            ClientAddress = context.Connection.RemoteIpAddress,
            Identity = ReadIdentity(request, identity),
            Ja4 = Tls.TlsClientHello.Ja4Of(context),
            ReceivedAt = now,
        };
    }

    private static LinkIdentity ReadIdentity(HttpRequest request, IdentityOptions names) =>
        ReadIdentity(names, name => request.RouteValues.TryGetValue(name, out var value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture)
            : request.Query.TryGetValue(name, out var query) ? Single(query) : null);

    /// <summary>Message, recipient, link and send time by the configured names; <paramref name="value"/> looks a name up (route value first, then query).</summary>
    public static LinkIdentity ReadIdentity(IdentityOptions names, Func<string, string?> value)
    {
        var sentAt = value(names.SentAt) is { } text
                     && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
                     && seconds is > 0 and < 100_000_000_000
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : (DateTimeOffset?)null;
        return new LinkIdentity(Id(value(names.MessageId)), Id(value(names.RecipientId)), Id(value(names.LinkId)), sentAt);
    }

    /// <summary>The id when it is bounded, printable text; null otherwise.</summary>
    private static string? Id(string? text) =>
        text is not null
        && text.Length <= MaxIdBytes // a char is at least one byte: saves counting the obviously long
        && Encoding.UTF8.GetByteCount(text) <= MaxIdBytes
        && !text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') && !text.Contains('\u007f')
            ? text
            : null;

    private static string? Single(Microsoft.Extensions.Primitives.StringValues values) => values.Count switch
    {
        0 => null,
        1 => values[0],
        _ => values.ToString(),
    };

    // Browsers treat localhost as a secure origin and send Sec-Fetch-* there too.
    public static bool IsLoopbackHost(string host) =>
        host is "localhost" or "127.0.0.1" or "[::1]" || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase);
}
