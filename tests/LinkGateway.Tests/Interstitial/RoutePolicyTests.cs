using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Interstitial;

/// <summary>Per-route policies set in route Metadata: click interstitial, open absorb, and their validation.</summary>
[Collection(RedisCollection.Name)]
public sealed class RoutePolicyTests(RedisFixture redis)
{
    [Fact]
    public async Task ClickInterstitial_ForABot_ShowsThePageWithoutScript()
    {
        await using var host = await GatewayHost.StartAsync(settings: Policy("click", "interstitial", "interstitial"));

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-1/l-1", Clients.NextAddress(), "curl/8.5.0"));
        var html = await response.Content.ReadAsStringAsync();

        Assert.True(ShieldClient.IsInterstitial(html));
        Assert.DoesNotContain("<script", html);
        Assert.Empty(host.Ledger.Events);
    }

    [Fact]
    public async Task ClickInterstitial_ForASuspect_ContinuesByScript_AndTheOriginLearnsIt()
    {
        await using var host = await GatewayHost.StartAsync(settings: Policy("click", "interstitial", "interstitial"));
        var address = Clients.NextAddress();
        const string path = "/c/m-1/r-2/l-1";
        // A browser User-Agent without a browser's headers: suspect, not bot.
        var suspect = Clients.Bare(path, address, Clients.ChromeUserAgent);

        var response = await host.Client.SendAsync(suspect);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script nonce=", html);
        Assert.Contains("script-src 'nonce-", response.Headers.GetValues("Content-Security-Policy").Single());

        // What the script does: set lg-auto=1 and submit, with no user activation.
        var posted = await host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(html), userActivation: false, auto: "1"));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        await host.Client.SendAsync(ShieldClient.WithCookie(Clients.Bare(path, address, Clients.ChromeUserAgent), ShieldClient.PassCookie(posted)!));

        Assert.Contains("pass.script", Assert.Single(host.Ledger.Events).Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task ScriptPass_IsNotAcceptedOnUnsubscribe()
    {
        await using var host = await GatewayHost.StartAsync();
        var address = Clients.NextAddress();
        var token = host.Services.GetRequiredService<PassTokens>().IssueToken("/u/m-1/r-3", ShieldClient.Holder(address));

        var posted = await host.Client.SendAsync(ShieldClient.ClickPost("/u/m-1/r-3", address, token, userActivation: false, auto: "1"));

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Null(ShieldClient.PassCookie(posted));
    }

    [Fact]
    public async Task OpenAbsorb_AnswersAPixelForMachines_AndForwardsPeople()
    {
        await using var host = await GatewayHost.StartAsync(settings: Policy("open", "absorb", "absorb"));

        var machine = await host.Client.SendAsync(Clients.Bare("/o/m-1/r-mpp", Clients.NextAddress(), "Mozilla/5.0"));
        // From Google's published ranges, where Gmail's proxy fetches: the claim is corroborated.
        var gmail = await host.Client.SendAsync(Clients.Bare("/o/m-1/r-gmail", "66.102.8.17", "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)"));

        Assert.Equal("image/gif", machine.Content.Headers.ContentType?.MediaType);
        Assert.Equal(43, (await machine.Content.ReadAsByteArrayAsync()).Length);
        var forwarded = Assert.Single(host.Ledger.Events);
        Assert.Equal(("r-gmail", "human"), (forwarded.RecipientId, forwarded.Header("X-Bot-Verdict")));
        Assert.Equal("image/gif", gmail.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task PassIssuedByOneNode_IsAcceptedByAnother_Once()
    {
        var prefix = $"lg:pass-{Guid.NewGuid():N}:";
        var clock = ShieldClient.Clock();
        await using var nodeA = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, time: clock);
        await using var nodeB = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, signingKey: nodeA.SigningKey, time: clock);
        var address = Clients.NextAddress();
        const string path = "/u/m-1/r-nodes";

        var page = await (await nodeA.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        var token = ShieldClient.TokenIn(page);
        clock.Advance(ShieldClient.ReadingTime);
        var onB = await nodeB.Client.SendAsync(ShieldClient.ClickPost(path, address, token));
        var replayOnA = await nodeA.Client.SendAsync(ShieldClient.ClickPost(path, address, token));

        Assert.Equal(HttpStatusCode.SeeOther, onB.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replayOnA.StatusCode);
        var followed = await nodeA.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), ShieldClient.PassCookie(onB)!));
        Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
        Assert.Contains("pass.human", Assert.Single(nodeA.Ledger.Events).Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task ObserveMode_ForwardsEverything_AndLogsWhatEnforceWouldHaveDone()
    {
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?> { ["LinkGateway:Mode"] = "observe" });
        var scanner = Clients.NextAddress();

        await host.Client.SendAsync(Clients.Bare("/u/m-1/r-observed", scanner, "curl/8.5.0"));
        await host.Client.SendAsync(Clients.Bare("/h/m-1/r-observed", scanner, "curl/8.5.0"));
        // An answer to a page observe mode never showed is forwarded too, not checked as an answer.
        var answer = Clients.Bare("/u/m-1/r-observed", scanner, "curl/8.5.0", HttpMethod.Post);
        answer.Content = new FormUrlEncodedContent([new(InterstitialPage.PassField, "forged")]);
        var answered = await host.Client.SendAsync(answer);

        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal(["unsubscribe", "honeypot", "unsubscribe"], host.Ledger.Events.Select(e => e.Action));
        Assert.All(host.Ledger.Events, e => Assert.Equal("bot", e.Header("X-Bot-Verdict")));
        var unsubscribeLog = await host.Log.WaitForAsync(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString() == "\"/u/m-1/r-observed\"");
        Assert.Equal("\"interstitial\"", unsubscribeLog.Properties["Action"].ToString());
    }

    private static Dictionary<string, string?> Policy(string route, string onSuspect, string onBot) => new()
    {
        [$"ReverseProxy:Routes:{route}:Metadata:OnSuspect"] = onSuspect,
        [$"ReverseProxy:Routes:{route}:Metadata:OnBot"] = onBot,
    };
}
