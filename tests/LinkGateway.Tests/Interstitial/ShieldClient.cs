using System.Text.RegularExpressions;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Interstitial;

/// <summary>What a browser does with the interstitial, step by step, over plain HTTP.</summary>
internal static partial class ShieldClient
{
    /// <summary>How long a person looks at the page before pressing its button: more than the shield's default MinDwell.</summary>
    public static readonly TimeSpan ReadingTime = TimeSpan.FromSeconds(2);

    /// <summary>
    /// A gateway clock for tests where a person reads the page: advancing it by <see cref="ReadingTime"/> is the person's
    /// pause, with no real waiting. It starts at the real time, so Data Protection's expiry checks hold.
    /// </summary>
    public static FakeTimeProvider Clock() => new(DateTimeOffset.UtcNow);

    public static bool IsInterstitial(string html) => html.Contains($"name=\"{InterstitialPage.PassField}\"", StringComparison.Ordinal);

    /// <summary>The token as it stands in the page (Data Protection payloads are base64url: nothing to unescape).</summary>
    public static string TokenIn(string html) => TokenPattern().Match(html) is { Success: true } m
        ? m.Groups[1].Value
        : throw new InvalidOperationException("no pass token in the page:\n" + html);

    /// <summary>The form post a person's click sends: fetch metadata of a navigation from the page itself, with user activation.</summary>
    public static HttpRequestMessage ClickPost(string path, string clientAddress, string token, bool userActivation = true, string auto = "0")
    {
        var request = Infrastructure.Clients.Browser(path, clientAddress, HttpMethod.Post);
        request.Headers.Remove("Sec-Fetch-Site");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "same-origin");
        request.Headers.Remove("Sec-Fetch-User");
        if (userActivation)
        {
            request.Headers.TryAddWithoutValidation("Sec-Fetch-User", "?1");
        }

        request.Content = new FormUrlEncodedContent([new(InterstitialPage.PassField, token), new(InterstitialPage.AutoField, auto)]);
        return request;
    }

    /// <summary>The client a pass is bound to: a test client's address and User-Agent (Chrome's, as <see cref="Infrastructure.Clients.Browser"/> sends it).</summary>
    public static PassHolder Holder(string clientAddress, string userAgent = Infrastructure.Clients.ChromeUserAgent) =>
        PassHolder.Of(System.Net.IPAddress.Parse(clientAddress), userAgent);

    public static string? PassCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(c => c.StartsWith(InterstitialShield.CookieName + "=", StringComparison.Ordinal) && !c.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
            : null;

    public static HttpRequestMessage WithCookie(HttpRequestMessage request, string setCookie)
    {
        request.Headers.TryAddWithoutValidation("Cookie", setCookie.Split(';')[0]);
        return request;
    }

    [GeneratedRegex("name=\"lg-pass\" value=\"([^\"]+)\"")]
    private static partial Regex TokenPattern();
}
