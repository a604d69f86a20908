namespace LinkGateway.Signals;

/// <summary>What a User-Agent claims about the browser behind it, read without allocating.</summary>
public static class BrowserClaims
{
    /// <summary>
    /// True when the User-Agent claims a browser that sends Sec-Fetch-* on every request to a secure
    /// origin: Chromium 76+, Firefox 90+, Safari 16.4+. Lying about the browser is the point of checking.
    /// </summary>
    public static bool SendsSecFetch(ReadOnlySpan<char> userAgent)
    {
        var chrome = MajorVersionAfter(userAgent, "Chrome/");
        if (chrome >= 0)
        {
            return chrome >= 76;
        }

        var firefox = MajorVersionAfter(userAgent, "Firefox/");
        if (firefox >= 0)
        {
            return firefox >= 90;
        }

        if (userAgent.Contains("Safari/", StringComparison.Ordinal))
        {
            var at = userAgent.IndexOf("Version/", StringComparison.Ordinal);
            if (at >= 0)
            {
                var version = userAgent[(at + "Version/".Length)..];
                var major = LeadingNumber(version, out var consumed);
                var minor = consumed < version.Length && version[consumed] == '.' ? LeadingNumber(version[(consumed + 1)..], out _) : 0;
                return major > 16 || (major == 16 && minor >= 4);
            }
        }

        return false;
    }

    /// <summary>
    /// True when the User-Agent claims WebKit that is not Chromium: Safari, and every browser on iOS (which says CriOS,
    /// FxiOS, EdgiOS there). WebKit sends Sec-Fetch-Site, -Mode and -Dest but never Sec-Fetch-User, not even for a
    /// navigation a person triggered (mdn/browser-compat-data#27928, from large sites' traffic: every Safari platform and
    /// iOS web views; corrected by #28025). Chromium's User-Agent names AppleWebKit too, and Chrome/ after it.
    /// </summary>
    public static bool ClaimsWebKitWithoutUserActivationHeader(ReadOnlySpan<char> userAgent) =>
        userAgent.Contains("AppleWebKit/", StringComparison.Ordinal) && MajorVersionAfter(userAgent, "Chrome/") < 0;

    /// <summary>
    /// True when the User-Agent claims a Chromium browser (Chrome, Edge, Opera, Brave, Android WebView): its TLS
    /// stack is BoringSSL, whose ClientHello is known. Chrome on iOS says CriOS and uses Apple's stack instead.
    /// </summary>
    public static bool ClaimsChromium(ReadOnlySpan<char> userAgent) => MajorVersionAfter(userAgent, "Chrome/") > 0;

    private static int MajorVersionAfter(ReadOnlySpan<char> userAgent, string token)
    {
        var at = userAgent.IndexOf(token, StringComparison.Ordinal);
        return at < 0 ? -1 : LeadingNumber(userAgent[(at + token.Length)..], out _);
    }

    private static int LeadingNumber(ReadOnlySpan<char> text, out int consumed)
    {
        var value = 0;
        consumed = 0;
        while (consumed < text.Length && consumed < 6 && char.IsAsciiDigit(text[consumed]))
        {
            value = (value * 10) + (text[consumed] - '0');
            consumed++;
        }

        return consumed == 0 ? -1 : value;
    }
}
