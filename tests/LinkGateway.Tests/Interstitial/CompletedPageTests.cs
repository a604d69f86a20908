using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Interstitial;

/// <summary>
/// After a person's pass went through on an unsubscribe or confirm link and the origin answered 2xx, a reload in the same
/// browser shows a completed page: not the question again, and never the origin again. Everyone else still gets the
/// neutral interstitial.
/// </summary>
public sealed class CompletedPageTests
{
    private const string Done = "Your request to unsubscribe has been received.";

    [Fact]
    public async Task Person_ReloadsAfterUnsubscribing_SeesTheCompletedPage_AndTheOriginIsNotCalledAgain()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        var address = Clients.NextAddress();

        var doneCookie = await UnsubscribeAsync(host, clock, "/u/m-1/r-1", address);
        var reload = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser("/u/m-1/r-1", address), doneCookie));
        var html = await reload.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        Assert.Contains("<title>Unsubscribed</title>", html);
        Assert.Contains(Done, html);
        Assert.False(ShieldClient.IsInterstitial(html)); // nothing to press
        Assert.DoesNotContain("<form", html);
        Assert.Equal("no-store", reload.Headers.CacheControl!.ToString());
        Assert.Single(host.Ledger.Events);
        Assert.Contains("HttpOnly", doneCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/u/m-1/", doneCookie, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>A completed mark issued before 2026-11-30 held the URL itself, not its digest; it lives a day and still counts.</summary>
    [Fact]
    public async Task ACompletedMarkOfTheEarlierFormat_StillShowsTheCompletedPage()
    {
        await using var host = await GatewayHost.StartAsync();
        var address = Clients.NextAddress();
        const string path = "/u/m-1/r-earlier";
        var holder = ShieldClient.Holder(address);
        var protector = host.Services.GetRequiredService<IDataProtectionProvider>()
            .CreateProtector("LinkGateway.Interstitial.Done.v1").ToTimeLimitedDataProtector();
        var earlier = protector.Protect($"0\n{new string('0', 32)}\n{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}\n{holder.Network}\n{holder.UserAgentHash}\n{path}",
            DateTimeOffset.UtcNow.AddDays(1));

        var html = await (await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), $"{InterstitialShield.DoneCookieName}={earlier}")))
            .Content.ReadAsStringAsync();

        Assert.Contains(Done, html);
        Assert.Empty(host.Ledger.Events);
    }

    [Fact]
    public async Task APostAfterTheCompletedMark_IsNeverAnsweredWithTheCompletedPage()
    {
        // An origin whose GET shows a second step posts its own form to the same URL: "done" must not answer it.
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        var address = Clients.NextAddress();
        var doneCookie = await UnsubscribeAsync(host, clock, "/u/m-1/r-7", address);

        var form = ShieldClient.WithCookie(Clients.Browser("/u/m-1/r-7", address, HttpMethod.Post), doneCookie);
        form.Content = new FormUrlEncodedContent([new("confirm", "yes")]);
        var html = await (await host.Client.SendAsync(form)).Content.ReadAsStringAsync();

        Assert.DoesNotContain(Done, html);
        Assert.True(ShieldClient.IsInterstitial(html));
    }

    [Fact]
    public async Task Scanner_AfterThePersonUnsubscribed_StillGetsTheNeutralPage()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        await UnsubscribeAsync(host, clock, "/u/m-1/r-2", Clients.NextAddress());

        var html = await (await host.Client.SendAsync(Clients.Bare("/u/m-1/r-2", Clients.NextAddress(), "curl/8.5.0"))).Content.ReadAsStringAsync();

        Assert.True(ShieldClient.IsInterstitial(html));
        Assert.DoesNotContain(Done, html);
        Assert.Single(host.Ledger.Events);
    }

    [Fact]
    public async Task CompletedMark_FromAnotherNetwork_OrForAnotherLink_ShowsTheInterstitial()
    {
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        var doneCookie = await UnsubscribeAsync(host, clock, "/u/m-1/r-3", Clients.NextAddress());

        var elsewhere = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser("/u/m-1/r-3", Clients.NextAddress()), doneCookie));
        var otherLink = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser("/u/m-1/r-4", Clients.NextAddress()), doneCookie));

        Assert.True(ShieldClient.IsInterstitial(await elsewhere.Content.ReadAsStringAsync()));
        Assert.True(ShieldClient.IsInterstitial(await otherLink.Content.ReadAsStringAsync()));
        Assert.Single(host.Ledger.Events);
    }

    [Fact]
    public async Task PassRedeemedByAClientThatScoresBot_GetsThePage_AndNoCompletedMark()
    {
        await using var host = await GatewayHost.StartAsync();
        // Exchange Online Protection's network following the 303 with the cookie it was bound to: the guard shows the page,
        // the origin answers nothing, so nothing is done.
        const string scanner = "40.107.8.12";
        const string path = "/u/m-1/r-6";
        var cookie = host.Services.GetRequiredService<PassTokens>().IssueCookie(path, LinkGateway.Guard.PassKind.Click, ShieldClient.Holder(scanner));

        var response = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, scanner), $"{InterstitialShield.CookieName}={cookie}"));

        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.Null(DoneCookie(response));
        Assert.Empty(host.Ledger.Events);
    }

    [Fact]
    public async Task OriginError_SetsNoCompletedMark_SoThePersonCanTryAgain()
    {
        await using var origin = await ScriptedOrigin.StartAsync(context =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock, settings: new Dictionary<string, string?>([origin.AsClusterSetting()]));
        var address = Clients.NextAddress();

        var forwarded = await PassAsync(host, clock, "/u/m-1/r-5", address);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, forwarded.StatusCode);
        Assert.Equal(1, origin.Requests);
        Assert.Null(DoneCookie(forwarded));
    }

    /// <summary>
    /// An origin that answers the unsubscribe with a redirect to its thank-you page under the same shielded path (or the
    /// same URL with a query): the browser follows it with a pass of its own, used once, so the person sees the origin's
    /// page, not the question again. Written relative, as origins mostly do, and absolute on this host.
    /// </summary>
    [Theory]
    [InlineData("/u/m-1/r-8/thanks", "/u/m-1/r-8/thanks")]
    [InlineData("r-8/thanks", "/u/m-1/r-8/thanks")]
    [InlineData("?done=1", "/u/m-1/r-8?done=1")]
    [InlineData("{gateway}/u/thanks?r=8", "/u/thanks?r=8")]
    public async Task OriginRedirect_AfterThePass_IntoTheShieldedPath_ReachesTheOrigin_Once(string location, string followed)
    {
        var reached = new System.Collections.Concurrent.ConcurrentQueue<string>();
        Uri? gateway = null;
        await using var origin = await ScriptedOrigin.StartAsync(context => RedirectingUnsubscribe(context, location.Replace("{gateway}", gateway!.GetLeftPart(UriPartial.Authority), StringComparison.Ordinal), reached));
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock, settings: new Dictionary<string, string?>([origin.AsClusterSetting()]));
        gateway = host.Address;
        var address = Clients.NextAddress();

        var redirected = await PassAsync(host, clock, "/u/m-1/r-8", address);
        Assert.Equal(HttpStatusCode.SeeOther, redirected.StatusCode);
        var pass = ShieldClient.PassCookie(redirected);
        Assert.NotNull(pass);
        var next = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(followed, address), pass));
        var again = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(followed, address), pass));
        var elsewhere = await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(followed, Clients.NextAddress()), pass));

        Assert.Equal((HttpStatusCode.OK, "Thank you"), (next.StatusCode, await next.Content.ReadAsStringAsync()));
        Assert.True(ShieldClient.IsInterstitial(await again.Content.ReadAsStringAsync())); // one request
        Assert.True(ShieldClient.IsInterstitial(await elsewhere.Content.ReadAsStringAsync())); // this client's
        Assert.Equal(["/u/m-1/r-8", followed], reached);
    }

    /// <summary>No pass for another site (a cookie cannot go there), for the same URL again (a loop), or for a path no request can carry; the origin's answer reaches the person as it is.</summary>
    [Theory]
    [InlineData("https://elsewhere.example/u/m-1/r-9/thanks")]
    [InlineData("//elsewhere.example/u/m-1/r-9/thanks")]
    [InlineData("/u/m-1/r-9")]
    [InlineData("?")] // the same URL with an empty query
    [InlineData("http://[::1")]
    [InlineData("/u/m-1/r-9/thanks%00")] // no request carries a NUL: it threw as the response started, a 500 after the unsubscribe
    public async Task OriginRedirect_ToAnotherSite_OrToItself_CarriesNoPass(string location)
    {
        var reached = new System.Collections.Concurrent.ConcurrentQueue<string>();
        await using var origin = await ScriptedOrigin.StartAsync(context => RedirectingUnsubscribe(context, location, reached));
        var clock = ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock, settings: new Dictionary<string, string?>([origin.AsClusterSetting()]));

        var redirected = await PassAsync(host, clock, "/u/m-1/r-9", Clients.NextAddress());

        Assert.Equal(HttpStatusCode.SeeOther, redirected.StatusCode);
        Assert.Null(ShieldClient.PassCookie(redirected));
        Assert.Null(DoneCookie(redirected));
        Assert.Equal(["/u/m-1/r-9"], reached);
    }

    /// <summary>The origin of the redirect tests: its unsubscribe answers 303 to <paramref name="location"/>, anything else is its thank-you page.</summary>
    private static Task RedirectingUnsubscribe(Microsoft.AspNetCore.Http.HttpContext context, string location, System.Collections.Concurrent.ConcurrentQueue<string> reached)
    {
        var request = context.Request;
        var target = request.Path + request.QueryString;
        reached.Enqueue(target);
        if (target is "/u/m-1/r-8" or "/u/m-1/r-9")
        {
            context.Response.StatusCode = StatusCodes.Status303SeeOther;
            context.Response.Headers.Location = location;
            return Task.CompletedTask;
        }

        return context.Response.WriteAsync("Thank you");
    }

    /// <summary>The page, a press after reading it, the pass's GET that the origin answers: the completed mark it set.</summary>
    private static async Task<string> UnsubscribeAsync(GatewayHost host, Microsoft.Extensions.Time.Testing.FakeTimeProvider clock, string path, string address)
    {
        var forwarded = await PassAsync(host, clock, path, address);
        Assert.Equal(HttpStatusCode.OK, forwarded.StatusCode);
        Assert.Single(host.Ledger.Events, e => path.EndsWith(e.RecipientId!, StringComparison.Ordinal));
        return DoneCookie(forwarded) ?? throw new InvalidOperationException("no completed mark after the origin's 2xx");
    }

    private static async Task<HttpResponseMessage> PassAsync(GatewayHost host, Microsoft.Extensions.Time.Testing.FakeTimeProvider clock, string path, string address)
    {
        var page = await (await host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        clock.Advance(ShieldClient.ReadingTime);
        var posted = await host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page)));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        return await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), ShieldClient.PassCookie(posted)!));
    }

    private static string? DoneCookie(HttpResponseMessage response) =>
        response.Headers.TryGetValues("Set-Cookie", out var cookies)
            ? cookies.FirstOrDefault(c => c.StartsWith(InterstitialShield.DoneCookieName + "=", StringComparison.Ordinal))
            : null;
}
