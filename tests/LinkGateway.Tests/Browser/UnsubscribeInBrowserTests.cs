using LinkGateway.Infrastructure;
using Microsoft.Playwright;

namespace LinkGateway.Browser;

/// <summary>A person in a real browser: sees the interstitial, presses the button, and is unsubscribed exactly once.</summary>
public sealed class UnsubscribeInBrowserTests(DebianChromium chromium) : IClassFixture<DebianChromium>
{
    [Fact]
    public async Task Person_OpensShieldedUnsubscribeLink_ClicksOnce_OriginRecordsOneUnsubscribe()
    {
        await using var host = await GatewayHost.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            // A phone: the page must be readable and its button reachable at this width.
            ViewportSize = new ViewportSize { Width = 390, Height = 844 },
            DeviceScaleFactor = 2,
            IsMobile = true,
            HasTouch = true,
            Locale = "en-GB",
            UserAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
        });
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(host.Address, "/u/m-1001/r-42").ToString());

        var button = page.GetByRole(AriaRole.Button, new() { Name = "Confirm unsubscribe" });
        await Assertions.Expect(button).ToBeVisibleAsync();
        Assert.Equal("Unsubscribe", await page.TitleAsync());
        var box = await button.BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= 390, "the button fits the phone's width");
        Assert.Empty(host.Ledger.Events); // seeing the page unsubscribed no one

        var screenshot = Path.Combine(DebianChromium.ArtifactsFolder, "unsubscribe-interstitial-phone.png");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = screenshot, FullPage = true });
        Assert.True(new FileInfo(screenshot).Length > 1000);

        await button.ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Unsubscribed" })).ToBeVisibleAsync();

        var unsubscribe = Assert.Single(host.Ledger.Events);
        Assert.Equal(("unsubscribe", "GET", "r-42"), (unsubscribe.Action, unsubscribe.Method, unsubscribe.RecipientId));
        Assert.Contains("pass.human", unsubscribe.Header("X-Bot-Reasons")!.Split(','));
        Assert.Equal("human", unsubscribe.Header("X-Bot-Verdict"));

        // Reloading the origin's answer does not unsubscribe again: the pass was good for one request.
        await page.ReloadAsync();
        Assert.Single(host.Ledger.Events);
    }

    [Fact]
    public async Task ScriptThatSubmitsTheFormWithoutAClick_IsRefused()
    {
        await using var host = await GatewayHost.StartAsync();
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        });
        var page = await context.NewPageAsync();
        // What a detonating scanner does: submit the form from script as the page loads, with no user
        // gesture. (Playwright's own evaluate runs with a gesture, so the script is injected instead.)
        await page.AddInitScriptAsync("""
            document.addEventListener('DOMContentLoaded', () => {
              if (!sessionStorage.getItem('submitted')) { sessionStorage.setItem('submitted', '1'); document.forms[0].submit(); }
            });
            """);
        var answer = page.WaitForResponseAsync(r => r.Request.Method == "POST");

        await page.GotoAsync(new Uri(host.Address, "/u/m-1001/r-43").ToString());

        Assert.Equal(200, (await answer).Status); // the page again, not a 303 with a pass
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm unsubscribe" })).ToBeVisibleAsync();
        Assert.Empty(host.Ledger.Events);
    }
}
