using Microsoft.AspNetCore.Http;
using LinkGateway.Infrastructure;
using LinkGateway.Interstitial;
using Microsoft.Playwright;

namespace LinkGateway.Browser;

/// <summary>A person in a real browser: sees the interstitial, presses the button, and is unsubscribed exactly once.</summary>
public sealed class UnsubscribeInBrowserTests(DebianChromium chromium) : IClassFixture<DebianChromium>
{
    [Fact]
    public async Task Person_OpensShieldedUnsubscribeLink_ClicksOnce_OriginRecordsOneUnsubscribe()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
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

        clock.Advance(ShieldClient.ReadingTime); // the person reads the page
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

    /// <summary>
    /// The carried pass is bound to the URL as the browser asks for it next: a query as the origin wrote it, escapes kept
    /// as written, with only what a browser encodes encoded (a first version bound Uri.Query's form, and Chromium then
    /// asked for another URL: the question again).
    /// </summary>
    [Theory]
    [InlineData("")]
    [InlineData("?x={a}|b")]
    [InlineData("?x=it's")]
    [InlineData("?x=%7e&y=%c3%a9")]
    [InlineData("?x=a b&y=\"q\"")]
    [InlineData("?x=a\tb")] // a browser drops a tab
    public async Task Person_WhoseOriginRedirectsToAThankYouPageUnderTheLink_SeesThatPage_NotTheQuestionAgain(string query)
    {
        var reached = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var origin = await ScriptedOrigin.StartAsync(context =>
        {
            reached.Enqueue(context.Request.Path + context.Request.QueryString);
            if (context.Request.Path.Value!.EndsWith("/thanks", StringComparison.Ordinal))
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                return context.Response.WriteAsync("<!doctype html><title>Thanks</title><h1>You are unsubscribed</h1>");
            }

            context.Response.StatusCode = 303; // post/redirect/get, as many unsubscribe pages answer
            context.Response.Headers.Location = context.Request.Path + "/thanks" + query;
            return Task.CompletedTask;
        });
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock, settings: new Dictionary<string, string?>([origin.AsClusterSetting()]));
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = Clients.ChromeUserAgent });
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(host.Address, "/u/m-1001/r-46").ToString());
        clock.Advance(ShieldClient.ReadingTime);
        await page.GetByRole(AriaRole.Button, new() { Name = "Confirm unsubscribe" }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "You are unsubscribed" })).ToBeVisibleAsync();
        Assert.Contains("/u/m-1001/r-46/thanks", page.Url, StringComparison.Ordinal);
        Assert.Equal(["/u/m-1001/r-46", "/u/m-1001/r-46/thanks"], reached.Where(p => p.StartsWith("/u/", StringComparison.Ordinal)).Select(p => p.Split('?')[0])); // the browser asks for /favicon.ico too
    }

    [Fact]
    public async Task Person_WhoPausesOnThePage_InRealTime_IsUnsubscribedWithOneClick()
    {
        // The real clock end to end: the pass token's time stamp, Data Protection's expiry and the dwell check.
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["LinkGateway:Shield:MinDwell"] = "00:00:01" });
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { Locale = "de-DE", UserAgent = Clients.ChromeUserAgent });
        var page = await context.NewPageAsync();

        await page.GotoAsync(new Uri(host.Address, "/u/m-1001/r-44").ToString());
        var button = page.GetByRole(AriaRole.Button, new() { Name = "Abmeldung bestätigen" });
        await Assertions.Expect(button).ToBeVisibleAsync();
        await Task.Delay(TimeSpan.FromSeconds(1.2)); // what is under test: a person's pause before pressing the button
        await button.ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Unsubscribed" })).ToBeVisibleAsync();
        Assert.Contains("pass.human", Assert.Single(host.Ledger.Events).Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task Person_WhoPressesAtOnce_SeesThePageAgain_AndTheSecondPressCounts()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        // Headless Chromium says HeadlessChrome in its User-Agent; a person's Chrome does not.
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions { UserAgent = Clients.ChromeUserAgent });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(host.Address, "/u/m-1001/r-45").ToString());
        var button = page.GetByRole(AriaRole.Button, new() { Name = "Confirm unsubscribe" });

        var first = page.WaitForResponseAsync(r => r.Request.Method == "POST");
        await button.ClickAsync(); // sooner than anyone reads the page: what a script does
        Assert.Equal(200, (await first).Status);
        await Assertions.Expect(button).ToBeVisibleAsync();
        Assert.Empty(host.Ledger.Events);

        clock.Advance(ShieldClient.ReadingTime);
        await button.ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Heading, new() { Name = "Unsubscribed" })).ToBeVisibleAsync();
        Assert.Single(host.Ledger.Events);
    }

    [Fact]
    public async Task ScriptThatSubmitsTheFormWithoutAClick_IsRefused_EvenAfterWaiting()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        await using var context = await chromium.Browser.NewContextAsync(new BrowserNewContextOptions
        {
            UserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        });
        var page = await context.NewPageAsync();
        // What a detonating scanner does: submit the form from script, with no user gesture — here once the test says go
        // (a cookie it sets, not a gesture), after the dwell time has passed, so the missing click is all that is left.
        // (Playwright's own evaluate runs with a gesture, so the script is injected instead.)
        await page.AddInitScriptAsync("""
            document.addEventListener('DOMContentLoaded', () => {
              if (sessionStorage.getItem('submitted')) return;
              const wait = setInterval(() => {
                if (!document.cookie.includes('go=1')) return;
                clearInterval(wait); sessionStorage.setItem('submitted', '1'); document.forms[0].submit();
              }, 20);
            });
            """);
        var answer = page.WaitForResponseAsync(r => r.Request.Method == "POST");
        await page.GotoAsync(new Uri(host.Address, "/u/m-1001/r-43").ToString());

        clock.Advance(ShieldClient.ReadingTime);
        await context.AddCookiesAsync([new Cookie { Name = "go", Value = "1", Url = host.Address.ToString() }]);

        Assert.Equal(200, (await answer).Status); // the page again, not a 303 with a pass
        await page.WaitForLoadStateAsync(LoadState.DOMContentLoaded);
        await Assertions.Expect(page.GetByRole(AriaRole.Button, new() { Name = "Confirm unsubscribe" })).ToBeVisibleAsync();
        Assert.Empty(host.Ledger.Events);
    }
}
