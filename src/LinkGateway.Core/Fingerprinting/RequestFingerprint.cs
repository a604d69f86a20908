using System.Net;
using LinkGateway.Links;

namespace LinkGateway.Fingerprinting;

/// <summary>
/// Everything detection looks at, as plain data: the host copies it out of the HTTP request once, so
/// the detection core never sees an HttpContext and can be tested and benchmarked alone.
/// </summary>
public readonly struct RequestFingerprint
{
    public required string Method { get; init; }
    public LinkKind Kind { get; init; }
    public string? UserAgent { get; init; }
    public string? Accept { get; init; }
    public bool HasAcceptLanguage { get; init; }
    /// <summary>Any Sec-Fetch-Mode header, whatever its value (Node's fetch sends "cors": presence alone proves nothing).</summary>
    public bool HasSecFetch { get; init; }
    public string? RequestedWith { get; init; }
    /// <summary>
    /// True when the client reached us over HTTPS (directly or through a trusted proxy). Browsers send
    /// Sec-Fetch-* only to secure origins, so their absence means something only here.
    /// </summary>
    public bool IsSecureContext { get; init; }
    public IPAddress? ClientAddress { get; init; }

    /// <summary>
    /// The request's headers beyond the User-Agent are not known (a replayed access log in combined
    /// format): header-shape signals do not fire, since unknown is not absent.
    /// </summary>
    public bool HeadersUnknown { get; init; }
    public LinkIdentity Identity { get; init; }

    /// <summary>The JA4 of the connection's TLS ClientHello (<see cref="Fingerprinting.Ja4"/>); null over plain HTTP or when unknown.</summary>
    public string? Ja4 { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
}
