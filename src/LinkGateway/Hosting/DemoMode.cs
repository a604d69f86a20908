using System.Security.Cryptography;
using LinkGateway.DemoOrigin;

namespace LinkGateway.Hosting;

/// <summary>
/// --demo: the embedded default. The demo origin runs in the same process on a free loopback port,
/// the store is in-process, the signing key is fresh for this run, and the console shows links and
/// curl lines with which a person and a scanner get different answers.
/// </summary>
internal static class DemoMode
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    private const string BrowserUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";

    public static async Task<(WebApplication Origin, Dictionary<string, string?> Overrides)> StartOriginAsync(GatewayLaunch launch)
    {
        var key = RandomNumberGenerator.GetBytes(32);
        var origin = DemoOriginApp.Create(["--urls", "http://127.0.0.1:0"], key);
        await origin.StartAsync();
        var overrides = new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = origin.Urls.First(),
            ["LinkGateway:Redis:Configuration"] = string.Empty,
            ["LinkGateway:Signing:Key"] = Convert.ToBase64String(key),
        };
        var urlsGiven = launch.HostArgs.Any(a => a.StartsWith("--urls", StringComparison.Ordinal))
                        || !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS"));
        if (!urlsGiven)
        {
            overrides["urls"] = DefaultUrl;
        }

        return (origin, overrides);
    }

    public static void PrintWelcome(WebApplication gateway, IReadOnlyDictionary<string, string?> overrides)
    {
        var url = gateway.Urls.First();
        // What the origin recorded is read from the origin itself: through the gateway, the reading would be one more request to judge.
        var origin = overrides["ReverseProxy:Clusters:origin:Destinations:primary:Address"]!.TrimEnd('/');
        var sent = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var person = $"curl -s -o /dev/null -D - -A '{BrowserUserAgent}' -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' -H 'Accept-Language: en-GB,en;q=0.9' -H 'Sec-Fetch-Mode: navigate'";
        Console.WriteLine($"""

            LinkGateway demo
              gateway      {url}
              demo origin  {origin} (in this process; what it recorded: {origin}/_origin/events)
              store        in-process; signing key generated for this run

            Example links (route kinds from config/linkgateway.json):
              click        {url}/c/m-1001/r-42/l-1?t={sent}
              open         {url}/o/m-1001/r-42
              unsubscribe  {url}/u/m-1001/r-42
              honeypot     {url}/h/m-1001/r-42

            A person and a scanner, same link; compare the X-Origin-Saw line (what the origin was told).
            The scanners pose as other addresses (X-Forwarded-For is trusted from loopback), because a
            "bot" verdict tags its address and this machine's own address should stay a person's:
              {person} '{url}/c/m-1001/r-42/l-1'
              curl -s -o /dev/null -D - -H 'X-Forwarded-For: 198.51.100.7' '{url}/c/m-1001/r-42/l-1'
              curl -s -o /dev/null -D - -H 'X-Forwarded-For: 40.107.3.10' -A '{BrowserUserAgent}' '{url}/c/m-1001/r-43/l-1'   # from Exchange Online Protection
              curl -s {origin}/_origin/events

            The unsubscribe link is shielded (Shield: always): open {url}/u/m-1001/r-42 in a browser, press
            the button, and the origin unsubscribes once; a scanner's GET only ever sees the page:
              curl -s -H 'X-Forwarded-For: 198.51.100.8' '{url}/u/m-1001/r-42' | head -5
            An RFC 8058 one-click unsubscribe, as a mailbox provider sends it, always reaches the origin:
              curl -s -X POST -d 'List-Unsubscribe=One-Click' -H 'X-Forwarded-For: 198.51.100.9' '{url}/u/m-1001/r-44'

            Ctrl+C stops it.
            """);
    }
}
