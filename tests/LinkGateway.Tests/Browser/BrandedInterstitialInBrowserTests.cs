using LinkGateway.Infrastructure;
using LinkGateway.Interstitial;
using Microsoft.Playwright;

namespace LinkGateway.Browser;

/// <summary>
/// A branded interstitial in a real browser: its words, colours and logo render under the strict CSP with no violation, and
/// after the person unsubscribed a reload shows the completed page.
/// </summary>
public sealed class BrandedInterstitialInBrowserTests(DebianChromium chromium) : IClassFixture<DebianChromium>
{
    [Fact]
    public async Task BrandedPage_RendersItsWordsColoursAndLogo_WithoutACspViolation_AndAReloadAfterUnsubscribingShowsItDone()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock, settings: BrandTests.Branded());
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "en-GB", UserAgent = Clients.ChromeUserAgent });
        var page = await context.NewPageAsync();
        var problems = new List<string>();
        // Chromium reports every CSP violation (a blocked style, script or image) as a console error. The browser's own
        // favicon request goes to the origin through the catch-all route, which has none: that 404 is not the page's.
        page.Console += (_, message) =>
        {
            if (message.Type is "error" or "warning" && !message.Location.Contains("/favicon.ico", StringComparison.Ordinal))
            {
                problems.Add($"{message.Text} ({message.Location})");
            }
        };
        page.PageError += (_, error) => problems.Add(error);

        await page.GotoAsync(new Uri(host.Address, "/u/m-2001/r-1").ToString());

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Leave the Acme newsletter" })).ToBeVisibleAsync();
        var button = page.GetByRole(AriaRole.Button, new() { Name = "Unsubscribe me" });
        await Assertions.Expect(button).ToBeVisibleAsync();
        Assert.Equal("rgb(194, 65, 12)", await button.EvaluateAsync<string>("b => getComputedStyle(b).backgroundColor")); // #c2410c: the style sheet applied
        Assert.Equal("rgb(255, 248, 240)", await page.EvaluateAsync<string>("() => getComputedStyle(document.documentElement).backgroundColor"));
        var logo = page.Locator("img.logo");
        await Assertions.Expect(logo).ToBeVisibleAsync();
        Assert.True(await logo.EvaluateAsync<bool>("i => i.complete && i.naturalWidth > 0"), "the inlined logo decoded");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(DebianChromium.ArtifactsFolder, "branded-interstitial.png"), FullPage = true });

        clock.Advance(ShieldClient.ReadingTime);
        await button.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Unsubscribed" })).ToBeVisibleAsync(); // the origin's page
        Assert.Single(host.Ledger.Events);

        await page.ReloadAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You have left the Acme newsletter" })).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Button)).ToHaveCountAsync(0);
        Assert.Single(host.Ledger.Events);
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }
}
