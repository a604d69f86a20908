using System.Net;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;
using LinkGateway.Links;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Guard;

/// <summary>
/// Behavioural signals end to end, on Redis, with the gateway's clock in the test's hand: each fires on
/// its scanner scenario and stays quiet on people's traffic. Every client here sends perfect browser
/// headers from an unlisted network, as Safe Links and detonation sandboxes do: only behaviour tells.
/// </summary>
/// <para>
/// The same scenarios run on each link layout (<see cref="LinkLayout"/>): the demo's ids in the path, and one opaque token
/// per link (config/examples/opaque-token.json). What the gateway reads from a URL must not change what it sees.
/// </para>
public abstract class BehaviourTests(RedisFixture redis, LinkLayout layout) : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private GatewayHost _host = null!;

    private LinkLayout Layout => layout;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(redis.Server.Configuration, time: _time, configFile: layout.ConfigFile);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task BurstOfLinks_TurnsTheRestOfTheBurstBot_AndFoldsBackTheFirstLink()
    {
        var address = Clients.NextAddress();

        var first = await Click(address, "m-burst", "r-1", "l-1");
        var second = await Click(address, "m-burst", "r-1", "l-2");
        var third = await Click(address, "m-burst", "r-1", "l-3");

        Assert.Equal("human", first.Header("X-Bot-Verdict"));
        Assert.Equal(("bot", "burst.links"), (second.Header("X-Bot-Verdict"), second.Header("X-Bot-Reasons")));
        Assert.Contains("burst.links", third.Header("X-Bot-Reasons")!.Split(','));
        Assert.Contains("tag.ip", third.Header("X-Bot-Reasons")!.Split(',')); // the burst tagged the address

        var foldBack = await _host.Memory.ReadFoldBackAsync(10, default);
        var trigger = second.Header("X-Bot-Request-Id");
        var client = Assert.Single(foldBack, e => e.Entity == $"ip:{address}" && e.TriggerRequestId == trigger);
        var corrected = Assert.Single(client.Requests);
        Assert.Equal((first.Header("X-Bot-Request-Id"), "click", "l-1"), (corrected.RequestId, corrected.Kind, corrected.LinkId));
    }

    [Fact]
    public async Task AClickSecondsAfterTheSend_IsTimingFast_AnHourLaterIsNot()
    {
        var early = await Click(Clients.NextAddress(), "m-timing", "r-1", "l-1", _time.GetUtcNow().AddSeconds(-5));
        var late = await Click(Clients.NextAddress(), "m-timing", "r-2", "l-1", _time.GetUtcNow().AddHours(-1));

        Assert.Contains("timing.fast", early.Header("X-Bot-Reasons")!.Split(','));
        Assert.DoesNotContain("timing.fast", late.Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task PersonClickingTwoLinksSecondsApart_StaysHuman()
    {
        var address = Clients.NextAddress();

        var first = await Click(address, "m-reader", "r-1", "l-1");
        _time.Advance(TimeSpan.FromSeconds(8));
        var second = await Click(address, "m-reader", "r-1", "l-2");

        Assert.Equal(("human", "human"), (first.Header("X-Bot-Verdict"), second.Header("X-Bot-Verdict")));
    }

    [Fact]
    public async Task TwoLinksOpenedInTabsAtOnce_LongAfterTheSend_AreAPersonReading_NotABurst()
    {
        var address = Clients.NextAddress();
        var sentYesterday = _time.GetUtcNow().AddDays(-1);

        var first = await Click(address, "m-tabs", "r-1", "l-1", sentYesterday);
        var second = await Click(address, "m-tabs", "r-1", "l-2", sentYesterday);

        Assert.Equal(("human", "human"), (first.Header("X-Bot-Verdict"), second.Header("X-Bot-Verdict")));
    }

    [Fact]
    public async Task APersonWhoseOwnBurstGotTheirAddressAndBrowserTagged_CanStillUnsubscribeThroughThePage()
    {
        var address = Clients.NextAddress();
        await Click(address, "m-own", "r-own", "l-1");
        var burst = await Click(address, "m-own", "r-own", "l-2"); // no send time: at delivery, as far as the gateway knows
        Assert.Equal("bot", burst.Header("X-Bot-Verdict"));

        var path = Layout.Path(LinkKind.Unsubscribe, "m-own", "r-own");
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        _time.Advance(Interstitial.ShieldClient.ReadingTime);
        var posted = await _host.Client.SendAsync(Interstitial.ShieldClient.ClickPost(path, address, Interstitial.ShieldClient.TokenIn(page)));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        await _host.Client.SendAsync(Interstitial.ShieldClient.WithCookie(Clients.Browser(path, address), Interstitial.ShieldClient.PassCookie(posted)!));

        var unsubscribed = Assert.Single(_host.Ledger.Events, e => e.Action == "unsubscribe");
        Assert.Contains("pass.human", unsubscribed.Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task ASendTimeInTheFuture_CountsAsDelivery_SoAnEditedLinkKeepsItsBurst()
    {
        var address = Clients.NextAddress();
        var tomorrow = _time.GetUtcNow().AddDays(1);

        await Click(address, "m-future", "r-1", "l-1", tomorrow);
        var second = await Click(address, "m-future", "r-1", "l-2", tomorrow);

        Assert.Equal(("bot", "burst.links"), (second.Header("X-Bot-Verdict"), second.Header("X-Bot-Reasons")));
    }

    [Fact]
    public async Task ColleaguesOpeningTheUnsubscribePage_NeverKeepTheNextOneFromUnsubscribing()
    {
        // Eight recipients behind one address with one browser build open their unsubscribe pages (no send time in these
        // links): a fan-out and a domain burst, which must not refuse the next person's button.
        var address = Clients.NextAddress();
        for (var i = 0; i < 8; i++)
        {
            await _host.Client.SendAsync(Clients.Browser(Layout.Path(LinkKind.Unsubscribe, "m-office", $"r-{i}"), address));
        }

        var path = Layout.Path(LinkKind.Unsubscribe, "m-office", "r-8");
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        _time.Advance(Interstitial.ShieldClient.ReadingTime);
        var posted = await _host.Client.SendAsync(Interstitial.ShieldClient.ClickPost(path, address, Interstitial.ShieldClient.TokenIn(page)));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
    }

    [Fact]
    public async Task AHoneypotHitThroughPrivateRelay_NeverMakesTheOthersOnThatRelayAddressBots()
    {
        const string relay = "172.225.12.77"; // iCloud Private Relay egress (config/signatures/networks/apple-proxy.json)

        await _host.Client.SendAsync(Clients.Browser(Layout.Path(LinkKind.Honeypot, "m-relay", "r-hitter"), relay)); // tags in its own round trip, before it answers
        var someoneElse = await Click(relay, "m-relay", "r-reader", "l-1");

        Assert.Equal("human", someoneElse.Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task OneAddressTouchingManyRecipients_FiresFanout()
    {
        var address = Clients.NextAddress();
        var seen = new List<OriginEvent>();
        for (var i = 0; i < 8; i++)
        {
            seen.Add(await Click(address, $"m-fan-{i}", $"r-{i}", "l-1"));
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.All(seen.Take(7), e => Assert.Equal("human", e.Header("X-Bot-Verdict")));
        Assert.Contains("fanout.recipients", seen[7].Header("X-Bot-Reasons")!.Split(','));
        Assert.NotEqual("human", seen[7].Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task ManyAddressesOfOnePrefixTouchingManyRecipients_FiresFanout()
    {
        var prefix = Clients.NextPrefix();
        var seen = new List<OriginEvent>();
        for (var i = 0; i < 15; i++)
        {
            seen.Add(await Click($"{prefix}{i + 10}", $"m-net-{i}", $"r-{i}", "l-1"));
            _time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.All(seen.Take(14), e => Assert.Equal("human", e.Header("X-Bot-Verdict")));
        Assert.Contains("fanout.recipients", seen[14].Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task CorporateNat_ManyColleaguesSpreadOverAnHour_StaysHuman()
    {
        // One office behind one address: sixty people open the same newsletter over an hour.
        var office = Clients.NextAddress();
        var seen = new List<OriginEvent>();
        for (var i = 0; i < 60; i++)
        {
            seen.Add(await Click(office, "m-newsletter", $"colleague-{i}", $"l-{i % 4}"));
            _time.Advance(TimeSpan.FromSeconds(61));
        }

        Assert.All(seen, e => Assert.Equal(("human", ""), (e.Header("X-Bot-Verdict"), e.Header("X-Bot-Reasons"))));
    }

    [Fact]
    public async Task ManyRecipientsOfOneMessageFromOneNetworkRightAfterTheSend_FiresBurstDomain()
    {
        var prefix = Clients.NextPrefix();
        var sent = _time.GetUtcNow().AddSeconds(-60);
        var seen = new List<OriginEvent>();
        for (var i = 0; i < 5; i++)
        {
            seen.Add(await Click($"{prefix}{i + 20}", "m-domain", $"r-{i}", "l-1", sent));
            _time.Advance(TimeSpan.FromSeconds(3));
        }

        Assert.All(seen.Take(4), e => Assert.Equal("human", e.Header("X-Bot-Verdict")));
        Assert.Contains("burst.domain", seen[4].Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task HoneypotHit_MakesTheScannersNearbyHitsBots_AndFoldsBackItsOwnRequestJustBefore()
    {
        var scanner = Clients.NextAddress();
        const string Chrome = Clients.ChromeUserAgent;
        await Click(Clients.NextAddress(), "m-trap", "r-1", "l-0"); // the recipient's own click: never folded back
        await _host.Client.SendAsync(Clients.Bare(Layout.Path(LinkKind.Open, "m-trap-2", "r-7"), scanner, Chrome)); // the scanner's own earlier request, not yet known as one
        var opened = _host.Ledger.Events[^1];
        _time.Advance(TimeSpan.FromSeconds(2));
        var trap = await _host.Client.SendAsync(Clients.Bare(Layout.Path(LinkKind.Honeypot, "m-trap", "r-1"), scanner, Chrome));
        _time.Advance(TimeSpan.FromSeconds(3));
        await Send(Clients.Bare(Layout.Path(LinkKind.Click, "m-trap", "r-1", "l-1"), Clients.NextAddress(), "python-requests/2.32.3")); // its pool's other address

        Assert.Equal(HttpStatusCode.OK, trap.StatusCode);
        var after = Assert.Single(_host.Ledger.Events, e => e.LinkId == "l-1");
        Assert.Equal("bot", after.Header("X-Bot-Verdict"));
        Assert.Contains("honeypot.near", after.Header("X-Bot-Reasons")!.Split(','));
        var foldBack = Assert.Single(await _host.Memory.ReadFoldBackAsync(10, default), e => e.Entity == $"ip:{scanner}");
        Assert.Equal(opened.Header("X-Bot-Request-Id"), Assert.Single(foldBack.Requests).RequestId);
    }

    [Fact]
    public async Task TaggedClientShape_IsRecognisedFromAnotherAddressOfItsNetwork_OnlyWithStrongAutomationOfItsOwn()
    {
        var prefix = Clients.NextPrefix();
        var script = Clients.Browser(Layout.Path(LinkKind.Click, "m-shape", "r-1", "l-1"), $"{prefix}5");
        script.Headers.Remove("Accept-Language");
        await Send(script);
        var second = Clients.Browser(Layout.Path(LinkKind.Click, "m-shape", "r-1", "l-2"), $"{prefix}5");
        second.Headers.Remove("Accept-Language");
        await Send(second); // a burst: bot, tags its address and its shape
        _time.Advance(TimeSpan.FromMinutes(5));

        var sameSoftware = Clients.Browser(Layout.Path(LinkKind.Click, "m-shape-2", "r-2", "l-1"), $"{prefix}77", HttpMethod.Head); // HEAD: strong, and the same shape
        sameSoftware.Headers.Remove("Accept-Language");
        await Send(sameSoftware);
        var sameSoftwareWeakly = Clients.Browser(Layout.Path(LinkKind.Click, "m-shape-4", "r-4", "l-1"), $"{prefix}79"); // a missing Accept-Language: common among people
        sameSoftwareWeakly.Headers.Remove("Accept-Language");
        await Send(sameSoftwareWeakly);
        var otherSoftware = Clients.Browser(Layout.Path(LinkKind.Click, "m-shape-3", "r-3", "l-1"), $"{prefix}78");
        otherSoftware.Headers.Remove("User-Agent");
        otherSoftware.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0");
        await Send(otherSoftware);

        Assert.Contains("tag.fingerprint", Assert.Single(_host.Ledger.Events, e => e.RecipientId == "r-2").Header("X-Bot-Reasons")!.Split(','));
        Assert.Equal(("human", "hdr.no-accept-language"), (Assert.Single(_host.Ledger.Events, e => e.RecipientId == "r-4").Header("X-Bot-Verdict"),
            Assert.Single(_host.Ledger.Events, e => e.RecipientId == "r-4").Header("X-Bot-Reasons")));
        Assert.Equal("human", Assert.Single(_host.Ledger.Events, e => e.RecipientId == "r-3").Header("X-Bot-Verdict"));
    }

    private async Task<OriginEvent> Click(string address, string message, string recipient, string link, DateTimeOffset? sentAt = null)
    {
        var recipientsBefore = _host.Ledger.Events.Count;
        await Send(Clients.Browser(Layout.Path(LinkKind.Click, message, recipient, link, sentAt), address));
        return _host.Ledger.Events[recipientsBefore];
    }

    /// <summary>Sends and waits for the request log event: it is written once the guard, its memory writes included, is done.</summary>
    private async Task Send(HttpRequestMessage request)
    {
        var path = request.RequestUri!.OriginalString.Split('?')[0];
        var logged = _host.Log.Events.Count(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString() == $"\"{path}\"");
        Assert.Equal(HttpStatusCode.Redirect, (await _host.Client.SendAsync(request)).StatusCode);
        await _host.Log.WaitForAsync(_ => _host.Log.Events.Count(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString() == $"\"{path}\"") > logged);
    }
}

[Collection(RedisCollection.Name)]
public sealed class DemoLayoutBehaviourTests(RedisFixture redis) : BehaviourTests(redis, LinkLayout.Demo);

[Collection(RedisCollection.Name)]
public sealed class OpaqueTokenBehaviourTests(RedisFixture redis) : BehaviourTests(redis, LinkLayout.OpaqueToken);
