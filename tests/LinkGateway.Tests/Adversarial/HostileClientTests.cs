using System.Net;
using System.Net.Http.Json;
using System.Text;
using LinkGateway.Infrastructure;
using LinkGateway.Interstitial;
using StackExchange.Redis;

namespace LinkGateway.Adversarial;

/// <summary>
/// Issue 10, as an attacker tries it against a real gateway process: no header turns a scanner into a person, no script
/// passes the unsubscribe page, no spelling of a path skips the shield, and nothing a third party does makes a person a
/// bot. Each test uses its own message, recipient and addresses, so they share the gateway without sharing state. The
/// threat model (docs/operations/threat-model.md) lists every class with its tests (some, such as header hygiene against a raw recording
/// origin, live beside the feature they test).
/// </summary>
public sealed class HostileClientTests(HostileClientFixture gateway) : IClassFixture<HostileClientFixture>
{
    private const string InAppBrowser = "com.microsoft.office.outlook";
    private const string BingPreview = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/100.0.4896.127 Safari/537.36 Edg/100.0.1185.50 BingPreview/1.0b";

    private readonly string _id = Guid.NewGuid().ToString("N")[..12];

    // 1. A claimed person signal is no free pass.

    [Theory]
    [InlineData("curl/8.5.0", null)]
    [InlineData(BingPreview, null)]
    [InlineData(Clients.ChromeUserAgent, "40.107.3.10")] // Exchange Online Protection, perfect browser headers
    public async Task ClaimingAMailAppsInAppBrowser_LeavesAScannerABot(string userAgent, string? address)
    {
        var request = userAgent == Clients.ChromeUserAgent
            ? Clients.Browser($"/c/m-{_id}/r-1/l-1", address!)
            : Clients.Bare($"/c/m-{_id}/r-1/l-1", Clients.NextAddress(), userAgent);
        request.Headers.TryAddWithoutValidation("X-Requested-With", InAppBrowser);

        await gateway.Client.SendAsync(request);

        var seen = Assert.Single(gateway.Ledger, e => e.MessageId == $"m-{_id}");
        Assert.Equal("bot", seen.Header("X-Bot-Verdict"));
        Assert.Contains("client.mail-app", seen.Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task ClaimingAMailApp_DoesNotTakeCurlPastAConfirmLinksPage()
    {
        var request = Clients.Bare($"/d/m-{_id}/r-1", Clients.NextAddress(), "curl/8.5.0");
        request.Headers.TryAddWithoutValidation("X-Requested-With", InAppBrowser);

        var response = await gateway.Client.SendAsync(request);

        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.DoesNotContain(gateway.Ledger, e => e.MessageId == $"m-{_id}");
    }

    [Fact]
    public async Task ClaimingAMailApp_DoesNotLetCurlPassTheUnsubscribePage()
    {
        var address = Clients.NextAddress();
        var path = $"/u/m-{_id}/r-1";
        var page = await gateway.Client.SendAsync(Curl(path, address, HttpMethod.Get));
        var token = ShieldClient.TokenIn(await page.Content.ReadAsStringAsync());
        await Task.Delay(HostileClientFixture.MinDwell); // even a patient script

        var posted = await gateway.Client.SendAsync(Curl(path, address, HttpMethod.Post, token));

        Assert.Null(ShieldClient.PassCookie(posted));
        Assert.DoesNotContain(gateway.Ledger, e => e.MessageId == $"m-{_id}");

        static HttpRequestMessage Curl(string path, string address, HttpMethod method, string? token = null)
        {
            var request = Clients.Bare(path, address, "curl/8.5.0", method);
            request.Headers.TryAddWithoutValidation("X-Requested-With", InAppBrowser);
            if (token is not null)
            {
                request.Content = new FormUrlEncodedContent([new(InterstitialPage.PassField, token)]);
            }

            return request;
        }
    }

    // 2. A script does not pass the unsubscribe page.

    [Fact]
    public async Task ScriptWithEveryBrowserHeader_ThatPostsAtOnce_NeverUnsubscribes()
    {
        var address = Clients.NextAddress();
        var path = $"/u/m-{_id}/r-1";
        var token = await TokenFromThePageAsync(path, address);

        var posted = await gateway.Client.SendAsync(ShieldClient.ClickPost(path, address, token));

        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        Assert.Null(ShieldClient.PassCookie(posted));
        Assert.True(ShieldClient.IsInterstitial(await posted.Content.ReadAsStringAsync()));
        Assert.DoesNotContain(gateway.Ledger, e => e.MessageId == $"m-{_id}");
    }

    [Fact]
    public async Task BrowserUserAgent_WithoutFetchMetadata_NeverUnsubscribes_EvenAfterWaiting()
    {
        // Over a secure origin (loopback counts) Chrome sends Sec-Fetch-*; a script that copies its User-Agent does not.
        var address = Clients.NextAddress();
        var path = $"/u/m-{_id}/r-1";
        var token = await TokenFromThePageAsync(path, address);
        await Task.Delay(HostileClientFixture.MinDwell);
        var post = ShieldClient.ClickPost(path, address, token);
        foreach (var header in new[] { "Sec-Fetch-Mode", "Sec-Fetch-Site", "Sec-Fetch-Dest", "Sec-Fetch-User" })
        {
            post.Headers.Remove(header);
        }

        var posted = await gateway.Client.SendAsync(post);

        Assert.Null(ShieldClient.PassCookie(posted));
        Assert.DoesNotContain(gateway.Ledger, e => e.MessageId == $"m-{_id}");
    }

    [Fact]
    public async Task DenyListedNetwork_NeverUnsubscribes_EvenWithAPersonsGesture()
    {
        var network = Clients.NextPrefix();
        Assert.Equal(HttpStatusCode.OK, (await gateway.Admin.PutAsJsonAsync($"/admin/networks/{network}0/24", new { list = "deny", note = "adversarial test" })).StatusCode);
        var path = $"/u/m-{_id}/r-1";
        var token = await TokenFromThePageAsync(path, $"{network}7");
        await Task.Delay(HostileClientFixture.MinDwell);

        var posted = await gateway.Client.SendAsync(ShieldClient.ClickPost(path, $"{network}7", token));

        Assert.Null(ShieldClient.PassCookie(posted));
        Assert.DoesNotContain(gateway.Ledger, e => e.MessageId == $"m-{_id}");
    }

    [Fact]
    public async Task Person_WhoReadsThePage_UnsubscribesWithOneClick()
    {
        var address = Clients.NextAddress();
        var path = $"/u/m-{_id}/r-1";
        var token = await TokenFromThePageAsync(path, address);
        await Task.Delay(HostileClientFixture.MinDwell); // the person reads the page

        var posted = await gateway.Client.SendAsync(ShieldClient.ClickPost(path, address, token));
        await gateway.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), ShieldClient.PassCookie(posted)!));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var unsubscribe = Assert.Single(gateway.Ledger, e => e.MessageId == $"m-{_id}");
        Assert.Equal(("GET", "human"), (unsubscribe.Method, unsubscribe.Header("X-Bot-Verdict")));
    }

    // 4. Nobody can frame a person.

    [Fact]
    public async Task SomeoneElsesHoneypotHit_NeverMakesTheRecipientsOwnClickABot_NorTagsThem()
    {
        var person = Clients.NextAddress();
        await gateway.Client.SendAsync(Clients.Browser($"/h/m-{_id}/r-1", Clients.NextAddress()));

        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/r-1/l-1", person)); // within the honeypot window
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}-later/r-1/l-1", person));

        Assert.All(gateway.Ledger.Where(e => e.MessageId!.StartsWith($"m-{_id}", StringComparison.Ordinal)),
            e => Assert.Equal(("human", ""), (e.Header("X-Bot-Verdict"), e.Header("X-Bot-Reasons"))));
        Assert.Equal(2, gateway.Ledger.Count(e => e.MessageId!.StartsWith($"m-{_id}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task HoneypotHitFromAnOfficeAddress_LeavesColleaguesWithTheSameBrowserPeople()
    {
        var office = Clients.NextPrefix();
        await gateway.Client.SendAsync(Clients.Browser($"/h/m-{_id}/r-trap", $"{office}10"));

        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/r-1/l-1", $"{office}11"));
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/r-2/l-1", $"{office}10"));

        Assert.Equal("human", Assert.Single(gateway.Ledger, e => e.MessageId == $"m-{_id}" && e.RecipientId == "r-1").Header("X-Bot-Verdict"));
        Assert.Equal("bot", Assert.Single(gateway.Ledger, e => e.MessageId == $"m-{_id}" && e.RecipientId == "r-2").Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task FetchingARecipientsLinksAsTheyClick_NeverFramesThem_NorKeepsThemFromUnsubscribing()
    {
        // Review finding F1: an attacker who knows the ids fetches the victim's link moments before the victim's own click.
        var victim = Clients.NextAddress();
        await gateway.Client.SendAsync(Clients.Bare($"/c/m-{_id}/frank/x", Clients.NextAddress(), "curl/8.5.0"));
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/frank/l1", victim));
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}-next/frank/l1", victim));
        var token = await TokenFromThePageAsync($"/u/m-{_id}/frank", victim);
        await Task.Delay(HostileClientFixture.MinDwell); // the victim reads the page
        var posted = await gateway.Client.SendAsync(ShieldClient.ClickPost($"/u/m-{_id}/frank", victim, token));

        Assert.All(gateway.Ledger.Where(e => e.LinkId == "l1" && e.MessageId!.StartsWith($"m-{_id}", StringComparison.Ordinal)),
            e => Assert.Equal(("human", ""), (e.Header("X-Bot-Verdict"), e.Header("X-Bot-Reasons"))));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
    }

    [Fact]
    public async Task MadeUpRecipientsFromANeighbour_NeverFrameAPersonInTheSameNetwork()
    {
        // Review finding F2: fan-out and domain bursts were counted per /24, whoever made them.
        var network = Clients.NextPrefix();
        for (var i = 0; i < 15; i++)
        {
            await gateway.Client.SendAsync(Clients.Bare($"/c/m-{_id}/fake{i}/l", $"{network}9", "curl/8.5.0"));
        }

        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/r-person/l1", $"{network}77"));

        Assert.Equal(("human", ""), (Assert.Single(gateway.Ledger, e => e.RecipientId == "r-person" && e.MessageId == $"m-{_id}").Header("X-Bot-Verdict"),
            Assert.Single(gateway.Ledger, e => e.RecipientId == "r-person" && e.MessageId == $"m-{_id}").Header("X-Bot-Reasons")));
    }

    [Fact]
    public async Task HoneypotHitFromAnOffice_LeavesAColleagueWithWeakSignsOfItsOwnNoBot()
    {
        // Review finding F3: a mail client without Accept-Language behind the same /24 inherited the hitter's tags.
        // The hitter uses the office's common mail client: its shape (software and /24) is the colleague's.
        const string MailClient = "Mozilla/4.0 (compatible; ms-office; MSOffice 16)";
        var office = Clients.NextPrefix();
        await gateway.Client.SendAsync(Clients.Bare($"/h/m-{_id}/r-trap", $"{office}10", MailClient));

        await gateway.Client.SendAsync(Clients.Bare($"/o/m-{_id}/r-colleague", $"{office}11", MailClient));

        Assert.NotEqual("bot", Assert.Single(gateway.Ledger, e => e.RecipientId == "r-colleague").Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task HoneypotHit_FoldsBackOnlyTheHittersOwnRequests_NeverItsNeighboursOrTheRecipients()
    {
        // Review finding F4: a honeypot hit reported a whole /24's clicks, and the recipient's own, as scanner traffic.
        var network = Clients.NextPrefix();
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/carol/l1", $"{network}10"));
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}-b/dave/l1", $"{network}11"));
        var people = gateway.Ledger.Where(e => e.MessageId!.StartsWith($"m-{_id}", StringComparison.Ordinal)).Select(e => e.Header("X-Bot-Request-Id")).ToHashSet();

        await gateway.Client.SendAsync(Clients.Bare($"/h/m-{_id}/carol", $"{network}200", "curl/8.5.0"));
        var foldBack = await gateway.Admin.GetFromJsonAsync<System.Text.Json.JsonElement>("/admin/foldback?count=50");

        Assert.DoesNotContain(foldBack.EnumerateArray().SelectMany(e => e.GetProperty("requests").EnumerateArray()),
            r => people.Contains(r.GetProperty("requestId").GetString()));
    }

    // 3. No spelling of an unsubscribe link reaches the origin unshielded.

    [Theory]
    [InlineData("/u//{0}/r-1")]
    [InlineData("//u/{0}/r-1")]
    [InlineData("/u;x/{0}/r-1")]
    [InlineData("/u/{0}/r-1/..;/r-1")]
    [InlineData("/u%2F{0}%2Fr-1")]
    [InlineData("/u%252F{0}%252Fr-1")]
    [InlineData("/U/{0}/r-1")] // a guard: routing was already case-insensitive
    [InlineData("/u/{0}/r-1/extra")]
    public async Task AnySpellingOfAnUnsubscribeLink_GetsThePage_NotTheOrigin(string spelling)
    {
        var target = string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, $"m-{_id}");

        var answer = await RawHttp.SendAsync(gateway.Address, RawHttp.CurlGet(target, Clients.NextAddress()));

        Assert.Equal(200, RawHttp.StatusOf(answer));
        Assert.True(ShieldClient.IsInterstitial(answer), answer);
        Assert.DoesNotContain(gateway.Ledger, e => e.PathAndQuery.Contains(_id, StringComparison.Ordinal));
    }

    // 5. What the gateway signs is what the origin receives.

    [Theory]
    [InlineData("?x=%zz")]
    [InlineData("?next=%2f%2fexample.org")] // a guard: signed right before too
    [InlineData("?v=%2541&w=%7e")]
    [InlineData("?q=\"<>{}|")]
    public async Task OddlyEncodedQueries_ArriveSignedOverWhatTheOriginReceived(string query)
    {
        var answer = await RawHttp.SendAsync(gateway.Address,
            $"GET /c/m-{_id}/r-1/l-1{query} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {Clients.ChromeUserAgent}\r\nAccept: text/html\r\n" +
            $"Accept-Language: en\r\nX-Forwarded-For: {Clients.NextAddress()}\r\nConnection: close\r\n\r\n");

        Assert.Equal(302, RawHttp.StatusOf(answer));
        Assert.True(Assert.Single(gateway.Ledger, e => e.MessageId == $"m-{_id}").SignatureValid);
    }

    // 7. A User-Agent in UTF-8 is a person's app, not a 502.

    [Fact]
    public async Task Utf8UserAgent_ReachesTheOrigin()
    {
        var request = Encoding.UTF8.GetBytes(
            $"GET /c/m-{_id}/r-1/l-1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: Подкасты/1720.3 CFNetwork/1494.0.7 Darwin/23.4.0\r\n" +
            $"Accept: */*\r\nAccept-Language: ru\r\nX-Forwarded-For: {Clients.NextAddress()}\r\nConnection: close\r\n\r\n");

        var answer = await RawHttp.SendAsync(gateway.Address, request);

        Assert.Equal(302, RawHttp.StatusOf(answer));
        Assert.Single(gateway.Ledger, e => e.MessageId == $"m-{_id}");
    }

    // A second User-Agent line would let a scanner be judged by a browser's while the origin also sees its own.

    [Fact]
    public async Task TwoUserAgents_Get400_AndNeverReachTheOrigin()
    {
        var answer = await RawHttp.SendAsync(gateway.Address,
            $"GET /c/m-{_id}/r-two-agents/l-1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {Clients.ChromeUserAgent}\r\nUser-Agent: python-requests/2.32.3\r\n" +
            $"Accept: */*\r\nX-Forwarded-For: {Clients.NextAddress()}\r\nConnection: close\r\n\r\n");

        Assert.Equal(400, RawHttp.StatusOf(answer));
        Assert.EndsWith("\r\n\r\nBad request.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain(gateway.Ledger, e => e.RecipientId == "r-two-agents");
    }

    // 8. Ids are not keys: two id pairs spelled with the same colons never share memory.

    [Fact]
    public async Task IdsWithColons_NeverShareAnotherPairsMemory()
    {
        var address = Clients.NextAddress();
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}:b/c/l-1", address));
        await gateway.Client.SendAsync(Clients.Browser($"/c/m-{_id}/b:c/l-2", address)); // the same key, before ids were escaped

        Assert.All(gateway.Ledger.Where(e => e.MessageId!.StartsWith($"m-{_id}", StringComparison.Ordinal)),
            e => Assert.DoesNotContain("burst.links", e.Header("X-Bot-Reasons")!.Split(',')));
    }

    // 9. A tag is set once: a scanner cannot keep a shared address tagged forever.

    [Fact]
    public async Task AddressTag_IsNotRenewedByLaterBotRequests()
    {
        var address = Clients.NextAddress();
        await using var redis = await ConnectionMultiplexer.ConnectAsync(gateway.Redis);
        var tag = (RedisKey)$"lg:{{ip:{address}}}:tag";
        await gateway.Client.SendAsync(Clients.Bare($"/c/m-{_id}/r-1/l-1", address, "curl/8.5.0"));
        var first = await redis.GetDatabase().KeyTimeToLiveAsync(tag);
        await Task.Delay(50); // time for a renewal to show

        await gateway.Client.SendAsync(Clients.Bare($"/c/m-{_id}/r-2/l-1", address, "curl/8.5.0"));
        var second = await redis.GetDatabase().KeyTimeToLiveAsync(tag);

        Assert.NotNull(first);
        Assert.True(second < first, $"the tag's time to live went from {first} to {second}");
    }

    // 10. Rotating IPv6 addresses within one /64 does not escape the rate limit.

    [Fact]
    public async Task ManyAddressesOfOneIPv6Slash64_ShareOneRateLimit()
    {
        // 600 addresses of one /64 at once. One bucket holds 200 and refills 50 a second: whatever this machine's speed,
        // everything past 200 + 50 × (seconds taken, rounded up) must be refused.
        var started = System.Diagnostics.Stopwatch.StartNew();
        var answers = await Task.WhenAll(Enumerable.Range(1, 600).Select(i =>
            gateway.Client.SendAsync(Clients.Bare($"/c/m-{_id}/r-{i}/l-1", $"2001:db8:{_id[..4]}:1::{i:x}", "curl/8.5.0"))));
        var refilled = 50 * (int)Math.Ceiling(started.Elapsed.TotalSeconds);

        var limited = answers.Count(a => a.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.True(limited >= 600 - 200 - refilled, $"only {limited} of 600 requests from one /64 were limited in {started.Elapsed}");
    }

    private async Task<string> TokenFromThePageAsync(string path, string address)
    {
        var page = await gateway.Client.SendAsync(Clients.Browser(path, address));
        return ShieldClient.TokenIn(await page.Content.ReadAsStringAsync());
    }
}
