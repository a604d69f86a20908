using System.Net;
using LinkGateway.Fingerprinting;
using LinkGateway.Links;

namespace LinkGateway.TestSupport;

/// <summary>Real-shaped fingerprints for detector tests.</summary>
internal static class Requests
{
    public const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public static readonly DateTimeOffset Now = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A person's browser following a link over HTTPS: every header a browser sends.</summary>
    public static RequestFingerprint Browser(LinkKind kind = LinkKind.Click, string? userAgent = Chrome, string address = "198.51.100.20") => new()
    {
        Method = "GET",
        Kind = kind,
        UserAgent = userAgent,
        Accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
        HasAcceptLanguage = true,
        HasSecFetch = true,
        IsSecureContext = true,
        ClientAddress = IPAddress.Parse(address),
        ReceivedAt = Now,
    };

    /// <summary>A bare client: a User-Agent and nothing else, as HTTP libraries send.</summary>
    public static RequestFingerprint Bare(string? userAgent, LinkKind kind = LinkKind.Click, string method = "GET", string address = "198.51.100.21") => new()
    {
        Method = method,
        Kind = kind,
        UserAgent = userAgent,
        Accept = "*/*",
        IsSecureContext = true,
        ClientAddress = IPAddress.Parse(address),
        ReceivedAt = Now,
    };
}
