using System.Globalization;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LinkGateway.Infrastructure;
using LinkGateway.Interstitial;

namespace LinkGateway.Paths;

/// <summary>
/// Spellings of an unsubscribe link that some origin routes to its unsubscribe endpoint, sent as curl sends them
/// (--path-as-is) through a real gateway to a real nginx with default settings and to the demo origin: none reaches
/// an unsubscribe, each gets the interstitial. A person still passes the page; clicks with an encoded URL in their
/// path still reach the origin.
/// </summary>
public sealed class ShieldedPathTests(ShieldedPathTests.Origins origins) : IClassFixture<ShieldedPathTests.Origins>
{
    /// <summary>"{0}" is the recipient id, unique per case, so each case reads only its own hits.</summary>
    public static TheoryData<string> Spellings =>
    [
        "/u//m-1/{0}",
        "//u/m-1/{0}",
        "/u;x/m-1/{0}",
        "/u/m-1/{0}/..;/{0}",
        "/u%2Fm-1%2F{0}",
        "/u%252Fm-1%252F{0}",
        "/c/..%2F..%2Fu/m-1/{0}",
        "/u\\m-1\\{0}",
        "/u%5Cm-1%5C{0}",
        "/u/m-1/{0}/extra",
        "/u/{0}",
        "/U//m-1/{0}",
        "/%75//m-1/{0}",
        "/u/m-1/{0};jsessionid=1",
        "/x/..%252F..%252Fu/m-1/{0}",
        "/c/m-1/r-1/l-1/..%2F..%2F..%2F..%2Fu%2Fm-1%2F{0}",
        "/d/m-1/..%2F..%2Fu%2Fm-1%2F{0}",
        // An origin that decodes twice and cuts the path at the NUL reads the unsubscribe; one that drops it, a click.
        "/c/..%2Fu%2Fm-1%2F{0}%2500%2F..%2F..%2F..%2Fc%2Fl",
        // nginx decodes once: "%2E%2E" is a segment under /u to it, a dot segment only to an origin that decodes twice.
        "/u/%252E%252E/m-1/{0}",
        "/u/x/%252E%252E/%252E%252E/m-1/{0}",
        // An origin that decodes twice and keeps the line break reads "..\n" as a segment, under /u.
        "/u/..%250A/%252E%252E/m-1/{0}",
    ];

    [Theory]
    [MemberData(nameof(Spellings))]
    public async Task ASpellingOfAnUnsubscribeLink_GetsThePage_AndReachesNoUnsubscribe(string spelling)
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var target = string.Format(CultureInfo.InvariantCulture, spelling, recipient);

        var viaNginx = await RawHttp.SendAsync(origins.ToNginx.Address, RawHttp.CurlGet(target, Clients.NextAddress()));
        var viaDemo = await RawHttp.SendAsync(origins.ToDemo.Address, RawHttp.CurlGet(target, Clients.NextAddress()));

        Assert.DoesNotContain(await origins.Nginx.HitsAsync(), h => h.Location == "unsubscribe" && h.RequestUri.Contains(recipient, StringComparison.Ordinal));
        Assert.DoesNotContain(origins.ToDemo.Ledger.Events, e => e.Action == "unsubscribe");
        Assert.Equal((200, true), (RawHttp.StatusOf(viaNginx), ShieldClient.IsInterstitial(viaNginx)));
        Assert.Equal((200, true), (RawHttp.StatusOf(viaDemo), ShieldClient.IsInterstitial(viaDemo)));
    }

    /// <summary>
    /// The unsubscribe route is bound to links.example.com (Match.Hosts). YARP matches hosts exactly, so another spelling
    /// of the same host, or no host at all, falls to the catch-all; an origin reads the host as DNS does (any case,
    /// trailing dots dropped, the port apart), or takes a request without one as its own, and unsubscribes.
    /// </summary>
    [Theory]
    [InlineData("links.example.com.")]
    [InlineData("links.example.com..")]
    [InlineData("LINKS.Example.COM.")]
    [InlineData("links.example.com.:8080")]
    [InlineData("links.example.com:8080")]
    [InlineData("links.example.com")]
    [InlineData("")]
    // Another host altogether, through the catch-all to the same origin: YARP sends the origin its own Host, so the
    // origin unsubscribes for it as for the shielded host.
    [InlineData("other.example")]
    [InlineData("203.0.113.9")]
    public async Task AnUnsubscribeLinkOnAShieldedHost_WithTrailingDotsAPortNoHostOrAnotherHost_GetsThePage(string host)
    {
        var recipient = $"r-{Guid.NewGuid():N}";

        var answer = await RawHttp.SendAsync(origins.ToNginxOnHost.Address, RawHttp.CurlGet($"/u/m-1/{recipient}", Clients.NextAddress(), host));

        Assert.DoesNotContain(await origins.Nginx.HitsAsync(), h => h.RequestUri.Contains(recipient, StringComparison.Ordinal));
        Assert.Equal((200, true), (RawHttp.StatusOf(answer), ShieldClient.IsInterstitial(answer)));
    }

    [Fact]
    public async Task AConfirmLinkSpelledToReachAnUnsubscribe_IsShieldedAsTheUnsubscribe_EvenForABrowser()
    {
        // The confirm route shields only suspect GETs; a double-decoding origin would route this to /u/m-1/RECIPIENT.
        var path = $"/d/m-1/..%2F..%2Fu%2Fm-1%2Fr-{Guid.NewGuid():N}";

        var response = await origins.ToDemo.Client.SendAsync(Clients.Browser(path, Clients.NextAddress()));

        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.DoesNotContain(origins.ToDemo.Ledger.Events, e => e.PathAndQuery.Contains("..", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/u/m-1/{0}")]
    [InlineData("/u//m-1/{0}")]
    public async Task APerson_PassesThePage_AndTheOriginGetsThePathAsSent(string spelling)
    {
        var path = string.Format(CultureInfo.InvariantCulture, spelling, $"r-person-{Guid.NewGuid():N}");
        var address = Clients.NextAddress();
        var client = origins.ToNginx.Client;

        var page = await (await client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        origins.Clock.Advance(ShieldClient.ReadingTime);
        var posted = await client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page)));
        var followed = await client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), ShieldClient.PassCookie(posted)!));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal("unsubscribed", await followed.Content.ReadAsStringAsync());
        Assert.Contains(await origins.Nginx.HitsAsync(), h => h.Location == "unsubscribe" && h.RequestUri == path);
    }

    /// <summary>
    /// A path that starts with "//" or "/\\" is, in a Location header, another host to a browser ("//evil.example/…"). The
    /// 303 of a pass goes to the link's own path with the leading run of slashes and backslashes collapsed, and the pass is
    /// bound to that path: the follow-up GET is shielded as before and reaches the origin once, with the pass.
    /// </summary>
    [Property(MaxTest = 25)]
    public Property APassOnAPathThatStartsWithSlashes_RedirectsToThisHostOnly_AndIsForwardedOnce()
    {
        var targets = from run in Gen.Elements("/", "\\").ListOf().Select(string.Concat)
                      from host in Gen.Elements("evil.example", "evil.example:8080", "@evil.example", "u", "%5Cevil.example")
                      from rest in Gen.Elements("/..%2Fu/m-1/{0}", "/../u/m-1/{0}", "/%2E%2E/u/m-1/{0}", "/m-1/..%2F..%2Fu/m-1/{0}")
                      select "/" + run + host + rest;
        return Prop.ForAll(targets.ToArbitrary(), spelling =>
        {
            var recipient = $"r-{Guid.NewGuid():N}";
            var target = string.Format(CultureInfo.InvariantCulture, spelling, recipient);
            var address = Clients.NextAddress();
            var gateway = origins.ToNginx.Address;

            var page = Send(gateway, BrowserRequest("GET", target, address));
            origins.Clock.Advance(ShieldClient.ReadingTime);
            var posted = Send(gateway, BrowserRequest("POST", target, address, body: $"{InterstitialPage.PassField}={ShieldClient.TokenIn(page)}"));
            var location = HeaderOf(posted, "Location");
            var cookie = HeaderOf(posted, "Set-Cookie")?.Split(';')[0];
            var withoutPass = Send(gateway, BrowserRequest("GET", location ?? "/", address));
            var hitsBefore = Hits(recipient);
            var withPass = Send(gateway, BrowserRequest("GET", location ?? "/", address, cookie: cookie));

            return (RawHttp.StatusOf(posted) == 303).Label($"{target}: the pass answered {RawHttp.StatusOf(posted)}")
                .And((location is not null && location.StartsWith('/') && !location.StartsWith("//", StringComparison.Ordinal)
                      && !location.StartsWith("/\\", StringComparison.Ordinal)).Label($"{target}: Location {location}"))
                .And(ShieldClient.IsInterstitial(withoutPass).Label($"{location}: not shielded without the pass"))
                .And((hitsBefore == 0 && Hits(recipient) == 1 && !ShieldClient.IsInterstitial(withPass)).Label($"{location}: not forwarded once with the pass"));
        });

        static string Send(Uri gateway, string request) => RawHttp.SendAsync(gateway, request).GetAwaiter().GetResult();

        int Hits(string recipient) => origins.Nginx.HitsAsync().GetAwaiter().GetResult().Count(h => h.RequestUri.Contains(recipient, StringComparison.Ordinal));

        static string? HeaderOf(string answer, string name) =>
            answer.Split("\r\n\r\n")[0].Split("\r\n").FirstOrDefault(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase))?[(name.Length + 1)..].Trim();
    }

    /// <summary>What Chrome sends, raw: a navigation to <paramref name="target"/>, or the page's form posted back by a person's click.</summary>
    private static string BrowserRequest(string method, string target, string address, string? body = null, string? cookie = null)
    {
        var post = method == "POST";
        return $"{method} {target} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {Clients.ChromeUserAgent}\r\n"
               + "Accept: text/html,application/xhtml+xml\r\nAccept-Language: en-GB,en;q=0.9\r\n"
               + $"Sec-Fetch-Mode: navigate\r\nSec-Fetch-Site: {(post ? "same-origin" : "cross-site")}\r\nSec-Fetch-Dest: document\r\nSec-Fetch-User: ?1\r\n"
               + $"X-Forwarded-For: {address}\r\n"
               + (cookie is null ? "" : $"Cookie: {cookie}\r\n")
               + (body is null ? "" : $"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {body.Length}\r\n")
               + $"Connection: close\r\n\r\n{body}";
    }

    [Fact]
    public async Task AClickWithAnEncodedUrlInItsPath_ReachesTheOrigin()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var target = $"/c/m-1/{recipient}/https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc";

        var viaNginx = await RawHttp.SendAsync(origins.ToNginx.Address, RawHttp.CurlGet(target, Clients.NextAddress()));
        var viaDemo = await RawHttp.SendAsync(origins.ToDemo.Address, RawHttp.CurlGet(target, Clients.NextAddress()));

        Assert.Equal((302, 302), (RawHttp.StatusOf(viaNginx), RawHttp.StatusOf(viaDemo)));
        Assert.Contains(await origins.Nginx.HitsAsync(), h => h.Location == "click" && h.RequestUri.Contains(recipient, StringComparison.Ordinal));
        // The demo origin reads the same link id as when the client calls it directly (ASP.NET keeps "%2F" in a route value).
        Assert.Equal("https:%2F%2Fexample.com%2Fa?b=c", Assert.Single(origins.ToDemo.Ledger.Events, e => e.RecipientId == recipient).LinkId);
    }

    /// <summary>
    /// A destination URL in the path, encoded, carries its own escapes encoded again: a line break in a share text is
    /// "%250A". Decoded twice it is a control character, but the link is a person's, and reaches the origin.
    /// </summary>
    [Fact]
    public async Task AClickWhoseEncodedUrlCarriesAnEncodedLineBreak_ReachesTheOrigin()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var target = $"/c/m-1/{recipient}/https%3A%2F%2Ftwitter.com%2Fintent%2Ftweet%3Ftext%3DHello%250Aworld";

        var viaDemo = await RawHttp.SendAsync(origins.ToDemo.Address, RawHttp.CurlGet(target, Clients.NextAddress()));

        Assert.Equal(302, RawHttp.StatusOf(viaDemo));
        Assert.Equal("https:%2F%2Ftwitter.com%2Fintent%2Ftweet?text=Hello%0Aworld", Assert.Single(origins.ToDemo.Ledger.Events, e => e.RecipientId == recipient).LinkId);
    }

    [Theory]
    [InlineData("/c/m-1/r-1/l%09")]
    [InlineData("/x%7F")]
    [InlineData("/c/m-1/r-1/l%0A")]
    [InlineData("/x%1F")]
    public async Task AControlCharacterInThePath_Gets400_WithANeutralBody(string target)
    {
        var answer = await RawHttp.SendAsync(origins.ToDemo.Address, RawHttp.CurlGet(target, Clients.NextAddress()));

        Assert.Equal(400, RawHttp.StatusOf(answer));
        Assert.EndsWith("\r\n\r\nBad request.", answer, StringComparison.Ordinal);
    }

    /// <summary>nginx, a gateway in front of it, and a gateway in front of the demo origin, shared by the cases.</summary>
    public sealed class Origins : IAsyncLifetime
    {
        public NginxOrigin Nginx { get; private set; } = null!;

        /// <summary>The clock of the gateway in front of nginx: a person's pause before the page's button, without waiting.</summary>
        public Microsoft.Extensions.Time.Testing.FakeTimeProvider Clock { get; } = ShieldClient.Clock();

        public GatewayHost ToNginx { get; private set; } = null!;

        public GatewayHost ToDemo { get; private set; } = null!;

        /// <summary>In front of nginx, with the shielded routes bound to the host links.example.com.</summary>
        public GatewayHost ToNginxOnHost { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Nginx = await NginxOrigin.StartAsync();
            ToNginx = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
            {
                ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = Nginx.Address.ToString(),
                ["LinkGateway:RateLimit:Enabled"] = "false",
            }, time: Clock);
            ToDemo = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["LinkGateway:RateLimit:Enabled"] = "false" });
            ToNginxOnHost = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
            {
                ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = Nginx.Address.ToString(),
                ["ReverseProxy:Routes:unsubscribe:Match:Hosts:0"] = "links.example.com",
                ["ReverseProxy:Routes:confirm:Match:Hosts:0"] = "links.example.com",
                ["LinkGateway:RateLimit:Enabled"] = "false",
            });
        }

        public async Task DisposeAsync()
        {
            await ToNginxOnHost.DisposeAsync();
            await ToDemo.DisposeAsync();
            await ToNginx.DisposeAsync();
            await Nginx.DisposeAsync();
        }
    }
}
