namespace LinkGateway.Infrastructure;

/// <summary>Requests shaped like real clients.</summary>
public static class Clients
{
    public const string ChromeUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    /// <summary>What Chrome sends when a person follows a link: every header a browser sends on a navigation.</summary>
    public static HttpRequestMessage Browser(string path, string clientAddress, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("User-Agent", ChromeUserAgent);
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8");
        request.Headers.TryAddWithoutValidation("Accept-Language", "en-GB,en;q=0.9");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Mode", "navigate");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Dest", "document");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-User", "?1");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", clientAddress);
        return request;
    }

    /// <summary>A bare request as HTTP libraries send it: the given User-Agent (none when null) and Accept */*.</summary>
    public static HttpRequestMessage Bare(string path, string clientAddress, string? userAgent, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        request.Headers.TryAddWithoutValidation("Accept", "*/*");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", clientAddress);
        return request;
    }

    /// <summary>
    /// A unique address per call (198.18.0.0/15, the benchmarking range), each in a /24 of its own for
    /// the next 250 calls, so tests share no tag, no rate-limit bucket and no prefix fan-out.
    /// </summary>
    public static string NextAddress()
    {
        var n = Interlocked.Increment(ref _next);
        return $"198.{18 + (n / 62500)}.{n % 250}.{(n / 250 % 250) + 1}";
    }

    /// <summary>A /24 of its own ("203.0.N." style, from 100.64.0.0/10), for tests of many addresses in one network.</summary>
    public static string NextPrefix()
    {
        var n = Interlocked.Increment(ref _nextPrefix);
        return $"100.{64 + (n / 250 % 64)}.{n % 250}.";
    }

    private static int _next;
    private static int _nextPrefix;
}
