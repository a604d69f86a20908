using System.Security.Cryptography;
using LinkGateway.Contracts;
using LinkGateway.DemoOrigin;
using LinkGateway.Guard;
using LinkGateway.Links;

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
        if (!launch.ListenGiven && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("ASPNETCORE_URLS")))
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
        var links = ExampleLinks(gateway.Configuration, gateway.Services.GetRequiredService<LinkGatewayOptions>(), sent);
        string Link(LinkKind kind, string recipient = "r-42") =>
            url + (links.GetValueOrDefault((kind, recipient)) ?? "/");
        var person = $"curl -s -o /dev/null -D - -A '{BrowserUserAgent}' -H 'Accept: text/html,application/xhtml+xml,*/*;q=0.8' -H 'Accept-Language: en-GB,en;q=0.9' -H 'Sec-Fetch-Mode: navigate'";
        Console.WriteLine($"""

            LinkGateway demo
              gateway      {url}
              demo origin  {origin} (in this process; what it recorded: {origin}/_origin/events)
              store        in-process; signing key generated for this run

            Example links (route kinds from {gateway.Services.GetRequiredService<GatewayLaunch>().ConfigFile}):
              click        {Link(LinkKind.Click)}
              open         {Link(LinkKind.Open)}
              unsubscribe  {Link(LinkKind.Unsubscribe)}
              honeypot     {Link(LinkKind.Honeypot)}

            A person and a scanner, same link; compare the X-Origin-Saw line (what the origin was told).
            The scanners pose as other addresses (X-Forwarded-For is trusted from loopback), because a
            "bot" verdict tags its address and this machine's own address should stay a person's:
              {person} '{Link(LinkKind.Click)}'
              curl -s -o /dev/null -D - -H 'X-Forwarded-For: 198.51.100.7' '{Link(LinkKind.Click)}'
              curl -s -o /dev/null -D - -H 'X-Forwarded-For: 40.107.3.10' -A '{BrowserUserAgent}' '{Link(LinkKind.Click, "r-43")}'   # from Exchange Online Protection
              curl -s {origin}/_origin/events

            The unsubscribe link is shielded: open {Link(LinkKind.Unsubscribe)} in a browser, press
            the button, and the origin unsubscribes once; a scanner's GET only ever sees the page:
              curl -s -H 'X-Forwarded-For: 198.51.100.8' '{Link(LinkKind.Unsubscribe)}' | head -5
            An RFC 8058 one-click unsubscribe, as a mailbox provider sends it, always reaches the origin:
              curl -s -X POST -d 'List-Unsubscribe=One-Click' -H 'X-Forwarded-For: 198.51.100.9' '{Link(LinkKind.Unsubscribe, "r-44")}'

            Ctrl+C stops it.
            """);
    }

    /// <summary>
    /// A link of each kind for message m-1001, link l-1 and a few recipients, written in the configured layout: route
    /// values filled in, and a JSON token built from the layout's field names (docs/reference/configuration.md, "Link identity").
    /// </summary>
    internal static Dictionary<(LinkKind Kind, string Recipient), string> ExampleLinks(IConfiguration configuration, LinkGatewayOptions options, long sent)
    {
        var links = new Dictionary<(LinkKind, string), string>();
        foreach (var route in configuration.GetSection(ProxyConfigRules.RoutesKey).GetChildren())
        {
            if (RoutePolicy.Parse(route, out _) is not { Kind: not LinkKind.None } policy || route["Match:Path"] is not { } template || links.ContainsKey((policy.Kind, "r-42")))
            {
                continue;
            }

            var layout = policy.Identity is { } name ? options.Identities[name] : options.Identity;
            foreach (var recipient in new[] { "r-42", "r-43", "r-44" })
            {
                var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
                {
                    [layout.MessageId] = "m-1001", [layout.RecipientId] = recipient, [layout.LinkId] = "l-1", [layout.SentAt] = sent.ToString(System.Globalization.CultureInfo.InvariantCulture),
                };
                if (layout is { Token: { } token, TokenFormat: TokenFormat.Json })
                {
                    var json = System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, object>
                    {
                        [layout.MessageId] = "m-1001", [layout.RecipientId] = recipient, [layout.LinkId] = "l-1", [layout.SentAt] = sent,
                    });
                    values[token] = System.Buffers.Text.Base64Url.EncodeToString(System.Text.Encoding.UTF8.GetBytes(json));
                }

                var path = System.Text.RegularExpressions.Regex.Replace(template, @"\{\*{0,2}(?<name>[^}:=?*]+)[^}]*\}",
                    m => values.TryGetValue(m.Groups["name"].Value, out var value) ? Uri.EscapeDataString(value) : m.Groups["name"].Value);
                // The demo layout's send time rides in the query of a click.
                links[(policy.Kind, recipient)] = policy.Kind == LinkKind.Click && !template.Contains($"{{{layout.SentAt}}}", StringComparison.OrdinalIgnoreCase) && layout.Token is null
                    ? $"{path}?{layout.SentAt}={sent}"
                    : path;
            }
        }

        return links;
    }
}
