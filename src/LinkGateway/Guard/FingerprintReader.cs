using System.Globalization;
using LinkGateway.Fingerprinting;
using LinkGateway.Links;

namespace LinkGateway.Guard;

/// <summary>Copies what detection needs out of the HTTP request: the one place that reads HttpContext for it.</summary>
internal static class FingerprintReader
{
    public static RequestFingerprint Read(HttpContext context, LinkKind kind, IdentityProfile identity, DateTimeOffset now)
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
            Identity = identity.Read(kind, request, static r => string.Concat(r.PathBase.Value, r.Path.Value, r.QueryString.Value), Value),
            Ja4 = Tls.TlsClientHello.Ja4Of(context),
            ReceivedAt = now,
        };
    }

    /// <summary>A route value, else a query parameter, by name.</summary>
    private static string? Value(HttpRequest request, string name) =>
        request.RouteValues.TryGetValue(name, out var value) && value is not null
            ? Convert.ToString(value, CultureInfo.InvariantCulture)
            : request.Query.TryGetValue(name, out var query) ? Single(query) : null;

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
