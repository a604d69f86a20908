using System.Net;

namespace LinkGateway.Evaluation;

/// <summary>
/// One request of an access log, as replay needs it. <see cref="HeadersKnown"/> is false for formats
/// that do not record request headers (combined log format): header-shape signals are then off.
/// </summary>
public sealed record ReplayRequest(
    long Line,
    DateTimeOffset Time,
    IPAddress? ClientAddress,
    string Method,
    string Target,
    string? UserAgent,
    bool HeadersKnown = false,
    string? Accept = null,
    string? AcceptLanguage = null,
    string? SecFetchMode = null,
    string? RequestedWith = null,
    bool Https = true,
    string? Label = null);
