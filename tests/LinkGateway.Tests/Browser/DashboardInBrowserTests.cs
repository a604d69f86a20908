using LinkGateway.Infrastructure;
using Microsoft.Playwright;

namespace LinkGateway.Browser;

/// <summary>The admin dashboard in Debian's Chromium: asks for the token, draws what the node saw, loads nothing from elsewhere.</summary>
public sealed class DashboardInBrowserTests(DebianChromium chromium) : IClassFixture<DebianChromium>, IAsyncLifetime
{
    private GatewayHost _host = null!;
    private AdminEndpoint _admin = null!;
    private Uri _dashboard = null!;

    public async Task InitializeAsync()
    {
        _host = await GatewayHost.StartAsync();
        _admin = await AdminEndpoint.StartAsync(_host);
        _dashboard = new Uri(_admin.Address, "/admin/dashboard");
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Dashboard_ShowsVerdictsReasonsNetworksShieldAndOpens()
    {
        await SendTrafficAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = await context.NewPageAsync();
        var requested = new List<string>();
        page.Request += (_, request) => requested.Add(request.Url);

        var response = await page.GotoAsync(_dashboard.ToString());
        Assert.Contains("script-src 'self'", (await response!.AllHeadersAsync())["content-security-policy"], StringComparison.Ordinal);
        await page.GetByLabel("Admin token").FillAsync(AdminEndpoint.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.Locator("body[data-loaded=true]").WaitForAsync();

        await Assertions.Expect(page.Locator("#reasons")).ToContainTextAsync("ua.library");
        await Assertions.Expect(page.Locator("#reasons")).ToContainTextAsync("open.proxy-human");
        await Assertions.Expect(page.Locator("#networks tbody tr").First).ToContainTextAsync("203.0.113.0/24");
        await Assertions.Expect(page.Locator("#shield")).ToContainTextAsync("interstitial shown");
        Assert.Equal("2", await page.Locator("#shield .bar").First.Locator(".count").InnerTextAsync()); // two scanners saw the page
        Assert.Equal("1", await page.Locator("#opens .bar").Nth(1).Locator(".count").InnerTextAsync()); // one open through Gmail's proxy
        Assert.True(await page.Locator("#verdicts svg rect").CountAsync() >= 2, "the current minute has human and bot bars");
        Assert.True(await page.Locator("#warnings").IsHiddenAsync()); // nothing to fix on loopback
        await Assertions.Expect(page.Locator("#store")).ToContainTextAsync("closed");
        await Assertions.Expect(page.Locator("#store")).ToContainTextAsync("stateless verdicts, this minute0 of");
        // The chart has its axes with their titles, and the hour's totals below it, as /admin/stats adds them up.
        Assert.True(await page.Locator("#verdicts svg .y-axis text").CountAsync() >= 5, "count axis ticks");
        await Assertions.Expect(page.Locator("#verdicts svg .y-axis")).ToContainTextAsync("verdicts per minute");
        await Assertions.Expect(page.Locator("#verdicts svg .x-axis")).ToContainTextAsync("time (minute");
        Assert.True(await page.Locator("#verdicts svg .x-axis text").CountAsync() >= 2, "time axis labels");
        using var stats = System.Text.Json.JsonDocument.Parse(await _admin.Client.GetStringAsync("/admin/stats"));
        var totals = stats.RootElement.GetProperty("totals");
        var all = totals.GetProperty("human").GetInt64() + totals.GetProperty("suspect").GetInt64() + totals.GetProperty("bot").GetInt64();
        Assert.True(all >= 11, $"{all} verdicts");
        await Assertions.Expect(page.Locator("#verdict-totals")).ToContainTextAsync($"Last hour: {all} verdicts · {totals.GetProperty("human").GetInt64()} human");
        await Assertions.Expect(page.Locator("#store")).ToContainTextAsync("degraded share, last hour0.0 %");
        // The origin answered every forwarded request: its count, no 5xx, and its latency.
        var forwarded = stats.RootElement.GetProperty("origin").GetProperty("answered").GetInt64();
        Assert.True(forwarded >= 8, $"{forwarded} forwarded");
        await Assertions.Expect(page.Locator("#origin")).ToContainTextAsync($"forwarded, last hour{forwarded}");
        await Assertions.Expect(page.Locator("#origin")).ToContainTextAsync("5xx answers0 (0.0 %)");
        await Assertions.Expect(page.Locator("#origin")).ToContainTextAsync("latency p50 · p99≤ ");
        Assert.Equal("ok", await page.Locator("#origin").GetAttributeAsync("data-health"));
        var lists = Signatures.SignatureLoader.LoadDirectory(RepoFiles.Signatures).NetworkLists;
        Assert.Equal(lists.Count, await page.Locator("#network-lists tbody tr").CountAsync()); // each list with its date and age
        await Assertions.Expect(page.Locator("#network-lists tr[data-family=apple-proxy]")).ToContainTextAsync("person-relay");

        var screenshot = Path.Combine(DebianChromium.ArtifactsFolder, "dashboard.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 10_000);
        Assert.All(requested, url => Assert.StartsWith(_admin.Address.ToString(), url, StringComparison.Ordinal)); // no CDN, nothing third-party
    }

    [Fact]
    public async Task Dashboard_ShowsTheWarningAboutAnUntrustedBalancer()
    {
        // A real private peer needs a network of its own: the gateway and this Chromium run in a namespace of the test's.
        using var network = PrivateNetwork.Create();
        await using var gateway = await network.StartGatewayAsync();
        using var balancer = network.ClientFrom(PrivateNetwork.Peers[0]);
        await balancer.SendAsync(Clients.Browser("/c/m-dash/r-1/l-1", "198.51.100.1"));
        await using var browser = await chromium.LaunchAsync(network.Launcher(DebianChromium.ExecutablePath));
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });

        await page.GotoAsync(new Uri(PrivateNetwork.AdminUri, "/admin/dashboard").ToString());
        await page.GetByLabel("Admin token").FillAsync(AdminEndpoint.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.Locator("body[data-loaded=true]").WaitForAsync();

        var warning = page.Locator("#warnings li[data-code=untrusted-forwarder]");
        await Assertions.Expect(warning).ToBeVisibleAsync();
        await Assertions.Expect(warning).ToContainTextAsync($"{PrivateNetwork.Peers[0]}: 1 requests with X-Forwarded-For");
        await Assertions.Expect(warning).ToContainTextAsync("LinkGateway:ForwardedHeaders:KnownProxies");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DebianChromium.ArtifactsFolder, "dashboard-warning.png"), FullPage = true });
    }

    [Fact]
    public async Task Dashboard_ShowsTheStoreCircuitOpen_AndTheStatelessVerdicts_WhileRedisIsAway()
    {
        // A clock that stands still: "this minute" is the click's minute however long the browser takes (a clean-clone run
        // clicked at 15:40:59 and read the board in the next minute: 0 of 0).
        await using var away = await GatewayHost.StartAsync($"127.0.0.1:{RedisServer.FreeLoopbackPort()},connectTimeout=300", waitUntilWarm: false,
            time: Interstitial.ShieldClient.Clock());
        await using var admin = await AdminEndpoint.StartAsync(away);
        await away.Client.SendAsync(Clients.Browser("/c/m-away/r-1/l-1", Clients.NextAddress()));
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(admin.Address, "/admin/dashboard").ToString());
        await page.GetByLabel("Admin token").FillAsync(AdminEndpoint.Token);
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();
        await page.Locator("body[data-loaded=true]").WaitForAsync();

        await Assertions.Expect(page.Locator("#store[data-circuit=open]")).ToContainTextAsync("open since");
        await Assertions.Expect(page.Locator("#store")).ToContainTextAsync("stateless verdicts, this minute1 of 1");
        await Assertions.Expect(page.Locator("#store")).ToContainTextAsync("last problem");
        await Assertions.Expect(page.Locator("#store")).ToContainTextAsync("degraded share, last hour100.0 %");
    }

    [Fact]
    public async Task Dashboard_WithAWrongToken_ShowsNoData()
    {
        await using var context = await chromium.Browser.NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(_dashboard.ToString());
        await page.GetByLabel("Admin token").FillAsync("a-wrong-token-that-is-at-least-32-characters");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToHaveTextAsync("That token was refused.");
        Assert.True(await page.Locator("#board").IsHiddenAsync());
    }

    private async Task SendTrafficAsync()
    {
        for (var i = 0; i < 5; i++)
        {
            await _host.Client.SendAsync(Clients.Browser($"/c/m-dash/r-{i}/l-1", Clients.NextAddress()));
        }

        await _host.Client.SendAsync(Clients.Bare("/c/m-dash/r-9/l-1", "203.0.113.30", "curl/8.5.0"));
        await _host.Client.SendAsync(Clients.Bare("/c/m-dash/r-9/l-2", "203.0.113.31", "python-requests/2.32"));
        await _host.Client.SendAsync(Clients.Bare("/u/m-dash/r-9", "203.0.113.32", "curl/8.5.0"));
        await _host.Client.SendAsync(Clients.Bare("/u/m-dash/r-8", "203.0.113.33", "Go-http-client/1.1"));
        await _host.Client.SendAsync(Clients.Bare("/o/m-dash/r-1", Clients.NextAddress(), "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"));
        await _host.Client.SendAsync(Clients.Bare("/o/m-dash/r-2", "198.18.200.7", "Mozilla/5.0"));
    }
}
