using System.Globalization;
using System.Net;
using LinkGateway.Guard;
using LinkGateway.Infrastructure;
using Serilog.Events;

namespace LinkGateway.Interstitial;

/// <summary>The shield over HTTP: no scanner-shaped request acts on an unsubscribe or confirm link; a person passes with one click.</summary>
public sealed class InterstitialShieldTests : IAsyncLifetime
{
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = ShieldClient.Clock();
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(time: _time);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    public static TheoryData<string, string> ScannerShapedRequests => new()
    {
        { "/u/m-1/r-{0}", "curl" }, { "/u/m-1/r-{0}", "blank" }, { "/u/m-1/r-{0}", "head" }, { "/u/m-1/r-{0}", "eop" }, { "/u/m-1/r-{0}", "person" },
        { "/d/m-1/r-{0}", "curl" }, { "/d/m-1/r-{0}", "blank" }, { "/d/m-1/r-{0}", "head" }, { "/d/m-1/r-{0}", "eop" },
    };

    [Theory]
    [MemberData(nameof(ScannerShapedRequests))]
    public async Task ScannerShapedGet_GetsThePage_AndNeverReachesTheOrigin(string pathFormat, string client)
    {
        // On /u (Shield: always in the shipped config) even a person's first GET gets the page.
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, pathFormat, Guid.NewGuid().ToString("N"));
        var request = client switch
        {
            "curl" => Clients.Bare(path, Clients.NextAddress(), "curl/8.5.0"),
            "blank" => Clients.Bare(path, Clients.NextAddress(), ""),
            "head" => Clients.Browser(path, Clients.NextAddress(), HttpMethod.Head),
            "eop" => Clients.Browser(path, "40.107.8.9"),
            _ => Clients.Browser(path, Clients.NextAddress()),
        };

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        if (client != "head")
        {
            Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        }

        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task PersonOnAnAutoShieldedConfirmLink_GoesStraightThrough()
    {
        var response = await _host.Client.SendAsync(Clients.Browser("/d/m-1/r-person", Clients.NextAddress()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("human", Assert.Single(_host.Ledger.Events, e => e.Action == "confirm").Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task Page_IsNeutralPrivateAndSelfContained()
    {
        var response = await _host.Client.SendAsync(Clients.Bare("/u/m-1/r-page", Clients.NextAddress(), "curl/8.5.0"));
        var page = await response.Content.ReadAsStringAsync();
        var html = page.Replace(ShieldClient.TokenIn(page), "TOKEN", StringComparison.Ordinal); // the token is random text

        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        Assert.Equal("noindex, nofollow", response.Headers.GetValues("X-Robots-Tag").Single());
        Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("default-src 'none'", csp);
        Assert.Contains("script-src 'none'", csp);
        Assert.Contains("form-action 'self'", csp);
        Assert.Contains("name=\"viewport\"", html);
        Assert.Contains("Confirm unsubscribe", html);
        Assert.DoesNotContain("<script", html);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase); // no third-party resource, no absolute link
        Assert.DoesNotMatch(@"(?i)\b(bots?|detected|automated|scanner|suspicious|verdict)\b", html); // nothing tells a scanner what was concluded
        Assert.DoesNotContain("action=", html); // the form posts to its own URL; no request data is echoed
    }

    [Theory]
    [InlineData("de-DE,de;q=0.9,en;q=0.5", "de", "Abmeldung bestätigen")]
    [InlineData("fr-CA,fr;q=0.8", "fr", "Confirmer le désabonnement")]
    [InlineData("es", "es", "Confirmar la baja")]
    [InlineData("ja,en;q=0.3,de;q=0.2", "en", "Confirm unsubscribe")]
    [InlineData("ja", "en", "Confirm unsubscribe")]
    public async Task Page_SpeaksTheReadersLanguage(string acceptLanguage, string language, string button)
    {
        var request = Clients.Browser("/u/m-1/r-lang", Clients.NextAddress());
        request.Headers.Remove("Accept-Language");
        request.Headers.TryAddWithoutValidation("Accept-Language", acceptLanguage);

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(language, response.Content.Headers.ContentLanguage.Single());
        Assert.Contains(button, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OneClick_Pass_ForwardsExactlyOnce()
    {
        var address = Clients.NextAddress();
        const string path = "/u/m-1/r-pass?list=weekly";
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime);

        var posted = await _host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page)));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal(path, posted.Headers.Location?.OriginalString);
        var cookie = ShieldClient.PassCookie(posted);
        Assert.NotNull(cookie);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/u/m-1/r-pass", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(_host.Ledger.Events); // the pass itself never reaches the origin

        var followed = await _host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), cookie));
        var again = await _host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), cookie));

        Assert.Contains("You will not receive these emails", await followed.Content.ReadAsStringAsync());
        var unsubscribe = Assert.Single(_host.Ledger.Events);
        Assert.Contains("pass.human", unsubscribe.Header("X-Bot-Reasons")!.Split(','));
        Assert.Equal("human", unsubscribe.Header("X-Bot-Verdict"));
        Assert.True(ShieldClient.IsInterstitial(await again.Content.ReadAsStringAsync())); // the cookie is good for one request
    }

    [Fact]
    public async Task APersonWhoPressesTooSoon_PassesWithTheNextPress_TheDwellCountingFromTheFirstView()
    {
        var address = Clients.NextAddress();
        const string path = "/u/m-1/r-quick";
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime / 2);

        var early = await _host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page)));
        var again = await early.Content.ReadAsStringAsync();
        Assert.True(ShieldClient.IsInterstitial(again));
        _time.Advance(ShieldClient.ReadingTime / 2 + TimeSpan.FromMilliseconds(100));
        var next = await _host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(again)));

        Assert.Equal(HttpStatusCode.SeeOther, next.StatusCode);
    }

    public static TheoryData<string> BadPasses => ["forged", "expired", "replayed", "other-path", "no-click", "http-library"];

    [Theory]
    [MemberData(nameof(BadPasses))]
    public async Task BadPass_GetsThePageAgain_NeverTheOrigin(string kind)
    {
        var address = Clients.NextAddress();
        var path = $"/u/m-1/r-{kind}";
        var tokens = _host.Services.GetRequiredService<PassTokens>();
        var token = kind switch
        {
            "forged" => "CfDJ8" + Convert.ToBase64String(new byte[96]),
            "expired" => tokens.IssueToken(path, ShieldClient.Holder(address), DateTimeOffset.UtcNow.AddSeconds(-1)),
            "other-path" => tokens.IssueToken("/u/m-1/r-someone-else", ShieldClient.Holder(address)),
            "http-library" => tokens.IssueToken(path, ShieldClient.Holder(address, "python-requests/2.32.3")),
            _ => tokens.IssueToken(path, ShieldClient.Holder(address)),
        };
        _time.Advance(ShieldClient.ReadingTime); // a person's pause: each case fails for its own reason only
        if (kind == "replayed")
        {
            Assert.Equal(HttpStatusCode.SeeOther, (await _host.Client.SendAsync(ShieldClient.ClickPost(path, address, token))).StatusCode);
        }

        var request = kind switch
        {
            "no-click" => ShieldClient.ClickPost(path, address, token, userActivation: false), // form.submit() from a script
            "http-library" => WithUserAgent(ShieldClient.ClickPost(path, address, token), "python-requests/2.32.3"),
            _ => ShieldClient.ClickPost(path, address, token),
        };
        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.Null(ShieldClient.PassCookie(response));
        Assert.Empty(_host.Ledger.Events);
    }

    public static TheoryData<string> MovedPasses => ["token to another network", "token to another browser", "cookie to another network", "cookie to another browser"];

    /// <summary>A scanner that fetches the page from one address and hands the token, or the cookie, to another of its hosts.</summary>
    [Theory]
    [MemberData(nameof(MovedPasses))]
    public async Task APassMovedToAnotherClient_GetsThePageAgain_NeverTheOrigin(string move)
    {
        var address = Clients.NextAddress();
        var path = $"/u/m-1/r-moved-{Guid.NewGuid():N}";
        var elsewhere = move.EndsWith("network", StringComparison.Ordinal) ? Clients.NextAddress() : address; // another /24
        var otherAgent = move.EndsWith("browser", StringComparison.Ordinal) ? FirefoxUserAgent : Clients.ChromeUserAgent;
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime);

        HttpResponseMessage answer;
        if (move.StartsWith("token", StringComparison.Ordinal))
        {
            answer = await _host.Client.SendAsync(WithUserAgent(ShieldClient.ClickPost(path, elsewhere, ShieldClient.TokenIn(page)), otherAgent));
            Assert.Null(ShieldClient.PassCookie(answer));
        }
        else
        {
            var posted = await _host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page)));
            answer = await _host.Client.SendAsync(ShieldClient.WithCookie(WithUserAgent(Clients.Browser(path, elsewhere), otherAgent), ShieldClient.PassCookie(posted)!));
        }

        Assert.True(ShieldClient.IsInterstitial(await answer.Content.ReadAsStringAsync()));
        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task APersonWhoseAddressChangesWithinItsNetwork_StillPassesWithOneClick()
    {
        var network = Clients.NextPrefix();
        const string path = "/u/m-1/r-roaming";
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, $"{network}10"))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime);

        var posted = await _host.Client.SendAsync(ShieldClient.ClickPost(path, $"{network}11", ShieldClient.TokenIn(page)));
        await _host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, $"{network}12"), ShieldClient.PassCookie(posted)!));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal("human", Assert.Single(_host.Ledger.Events).Header("X-Bot-Verdict"));
    }

    private const string SafariUserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15";

    public static TheoryData<string> WebKitBrowsers =>
    [
        SafariUserAgent,
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPad; CPU OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) FxiOS/133.0 Mobile/15E148 Safari/605.1.15",
    ];

    /// <summary>
    /// Safari and every browser on iOS send fetch metadata but never Sec-Fetch-User, even for a press of the button: a
    /// person on an iPhone must still unsubscribe.
    /// </summary>
    [Theory]
    [MemberData(nameof(WebKitBrowsers))]
    public async Task APersonInSafariOrOnIOS_PassesWithOneClick_ThoughWebKitSendsNoSecFetchUser(string userAgent)
    {
        var posted = await PressAsync($"/u/m-1/r-webkit-{Guid.NewGuid():N}", Clients.NextAddress(), request => WithUserAgent(WebKitNavigation(request), userAgent));

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.Equal("human", Assert.Single(_host.Ledger.Events).Header("X-Bot-Verdict"));
    }

    /// <summary>
    /// A script that submits the form by itself in Chromium (no Sec-Fetch-User) gets nothing by claiming Safari: Chromium
    /// still sends its client hints, or, when its driver drops them (Puppeteer's setUserAgent), its navigation's Accept.
    /// </summary>
    [Theory]
    [InlineData("Sec-CH-UA", "\"Chromium\";v=\"131\", \"Not_A Brand\";v=\"24\"")]
    [InlineData("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")]
    public async Task AChromiumClaimingSafari_ThatSubmitsTheFormByItself_GetsThePageAgain(string header, string value)
    {
        var address = Clients.NextAddress();
        var path = $"/u/m-1/r-chromium-as-safari-{header}";
        var page = await (await _host.Client.SendAsync(WithUserAgent(Clients.Browser(path, address), SafariUserAgent))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime);

        var post = WithUserAgent(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page), userActivation: false), SafariUserAgent);
        post.Headers.Remove(header);
        post.Headers.TryAddWithoutValidation(header, value);
        var response = await _host.Client.SendAsync(post);

        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.Null(ShieldClient.PassCookie(response));
        Assert.Empty(_host.Ledger.Events);
    }

    /// <summary>An unsubscribe link of 5,000 characters (a long tracking query) unsubscribes like any other.</summary>
    [Fact]
    public async Task APersonOnALongUnsubscribeLink_PassesWithOneClick()
    {
        var path = $"/u/m-1/r-long?ref={new string('a', 5000)}";

        var posted = await PressAsync(path, Clients.NextAddress());

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        Assert.True(ShieldClient.PassCookie(posted)!.Length < 1024);
        Assert.Equal(path, Assert.Single(_host.Ledger.Events).PathAndQuery);
    }

    /// <summary>
    /// Meta's and X's address lists are their whole networks, offices included: a person there unsubscribes with one click,
    /// though every request from there scores bot (net.previewer).
    /// </summary>
    [Theory]
    [InlineData("31.13.64.10")] // Meta (config/signatures/networks/facebook.json)
    [InlineData("8.25.194.10")] // X (twitter.json)
    public async Task APersonOnALinkPreviewingPlatformsNetwork_PassesWithOneClick(string address)
    {
        var posted = await PressAsync($"/u/m-1/r-platform-{address}", address);

        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);
        var unsubscribe = Assert.Single(_host.Ledger.Events);
        Assert.Contains("net.previewer", unsubscribe.Header("X-Bot-Reasons"), StringComparison.Ordinal);
        // The origin acts on it (origin-integration.md): the person's own view of the page tagged nothing that outweighs the pass.
        Assert.Equal("human", unsubscribe.Header("X-Bot-Verdict"));
    }

    [Fact]
    public async Task AGenuinePassCookie_RedeemedByAClientThatScoresBot_GetsThePage_NotTheOrigin()
    {
        // Exchange Online Protection's network: the scanner follows the 303 with the cookie it was bound to.
        const string scanner = "40.107.8.11";
        const string path = "/u/m-1/r-scanned";
        var cookie = _host.Services.GetRequiredService<PassTokens>().IssueCookie(path, PassKind.Click, ShieldClient.Holder(scanner));

        var response = await _host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, scanner), $"{InterstitialShield.CookieName}={cookie}"));

        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.Empty(_host.Ledger.Events);
    }

    /// <summary>The path a pass cookie is sent back on is the link's own, cut before anything that would end the attribute.</summary>
    [Theory]
    [InlineData("/u;Max-Age=99999999/m-1/r-{0}", "/")]
    [InlineData("/u/m-1/r-{0};Domain=evil.example", "/u/m-1/")]
    [InlineData("/u/m-1/r-{0},Max-Age=99999999", "/u/m-1/")]
    [InlineData("/u/m-1/r-{0}", "/u/m-1/r-{0}")]
    public async Task ThePassCookiesPath_CarriesNoOtherAttribute(string spelling, string cookiePath)
    {
        var recipient = Guid.NewGuid().ToString("N");
        var path = string.Format(System.Globalization.CultureInfo.InvariantCulture, spelling, recipient);
        var address = Clients.NextAddress();
        var page = await (await _host.Client.SendAsync(Clients.Browser(path, address))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime);

        var posted = await _host.Client.SendAsync(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page)));
        var followed = await _host.Client.SendAsync(ShieldClient.WithCookie(Clients.Browser(path, address), ShieldClient.PassCookie(posted)!));

        var attributes = ShieldClient.PassCookie(posted)!.Split(';').Skip(1).Select(a => a.Trim().Split('=', 2)).ToList();
        Assert.Equal(["httponly", "max-age", "path", "samesite"], attributes.Select(a => a[0].ToLowerInvariant()).Order());
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, cookiePath, recipient), attributes.Single(a => a[0].Equals("path", StringComparison.OrdinalIgnoreCase))[1]);
        Assert.Equal("120", attributes.Single(a => a[0].Equals("max-age", StringComparison.OrdinalIgnoreCase))[1]);
        Assert.False(ShieldClient.IsInterstitial(await followed.Content.ReadAsStringAsync())); // the pass still lets its request through
    }

    [Theory]
    [InlineData("application/x-www-form-urlencoded; charset=utf-7", "List-Unsubscribe=One-Click")]
    [InlineData("multipart/form-data", "List-Unsubscribe=One-Click")]
    [InlineData("multipart/form-data; boundary=x", "--x\r\nContent-Disposition: form-data; name=\"List-Unsubscribe\"\r\n\r\nOne-Cl")]
    public async Task AnUnreadableFormBody_Gets400WithANeutralBody_AndLogsNoError(string contentType, string body)
    {
        var path = $"/u/m-1/r-unreadable-{Guid.NewGuid():N}";
        var request = Clients.Bare(path, Clients.NextAddress(), null, HttpMethod.Post);
        request.Content = new ByteArrayContent(System.Text.Encoding.ASCII.GetBytes(body));
        request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);

        var response = await _host.Client.SendAsync(request);
        await _host.Log.WaitForRequestAsync(path); // the request log is written last

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Bad request.", await response.Content.ReadAsStringAsync());
        Assert.DoesNotContain(_host.Log.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error || e.Exception is not null);
        Assert.Empty(_host.Ledger.Events);
    }

    /// <summary>
    /// A client that leaves in the middle of its form is no failure of the gateway's: no error, no 500 in the log. Whether
    /// the gateway sees the reset while it reads the body or only when it answers depends on timing (one client in a few sees the latter here), so thirty clients leave.
    /// </summary>
    [Fact]
    public async Task ClientsThatLeaveMidForm_AreNoErrors()
    {
        for (var i = 0; i < 30; i++)
        {
            var path = $"/u/m-1/r-left-{Guid.NewGuid():N}";
            using (var socket = new System.Net.Sockets.TcpClient { LingerState = new System.Net.Sockets.LingerOption(true, 0) })
            {
                await socket.ConnectAsync(IPAddress.Loopback, _host.Address.Port);
                var stream = socket.GetStream();
                await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(
                    $"POST {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {Clients.ChromeUserAgent}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                    + $"Content-Length: 100\r\nExpect: 100-continue\r\nX-Forwarded-For: {Clients.NextAddress()}\r\n\r\n"));
                // Kestrel says "100 Continue" once the gateway reads the body: from then on it waits for the rest.
                var answer = new byte[64];
                Assert.StartsWith("HTTP/1.1 100", System.Text.Encoding.ASCII.GetString(answer, 0, await stream.ReadAsync(answer).AsTask().WaitAsync(TimeSpan.FromSeconds(10))));
                await stream.WriteAsync("a=b"u8.ToArray());
            } // reset (as a client that times out or is killed leaves) with 97 bytes of the body still to come

            var logged = await _host.Log.WaitForRequestAsync(path);
            Assert.True(logged.Level < LogEventLevel.Error && logged.Properties["StatusCode"].ToString() != "500", logged.RenderMessage(CultureInfo.InvariantCulture));
        }

        Assert.DoesNotContain(_host.Log.Events, e => e.Level >= LogEventLevel.Error);
        Assert.Empty(_host.Ledger.Events);
    }

    [Theory]
    [InlineData("urlencoded")]
    [InlineData("multipart")]
    public async Task Rfc8058OneClick_IsAlwaysForwarded_Unchanged(string encoding)
    {
        // Sent by the mailbox provider's servers: no browser headers, no cookies, often no User-Agent.
        var request = Clients.Bare("/u/m-1/r-oneclick", "40.107.8.10", userAgent: null, HttpMethod.Post);
        request.Content = encoding == "urlencoded"
            ? new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")])
            : new MultipartFormDataContent { { new StringContent("One-Click"), "List-Unsubscribe" } };

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode); // never a redirect
        var seen = Assert.Single(_host.Ledger.Events);
        Assert.Equal(("unsubscribe", "POST", "bot"), (seen.Action, seen.Method, seen.Header("X-Bot-Verdict")));
        Assert.Contains("One-Click", seen.Body);
        Assert.True(seen.SignatureValid);
    }

    [Theory]
    [InlineData("List-Unsubscribe=One-Click\r\n")]
    [InlineData("List-Unsubscribe=One-Click\n")]
    [InlineData("List-Unsubscribe=One-Click%0D%0A")]
    public async Task Rfc8058OneClick_EndedByALineBreak_IsForwarded(string body)
    {
        var request = Clients.Bare("/u/m-1/r-oneclick-eol", "40.107.8.10", userAgent: null, HttpMethod.Post);
        request.Content = new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded");

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var seen = Assert.Single(_host.Ledger.Events);
        Assert.Equal(("unsubscribe", "POST"), (seen.Action, seen.Method));
    }

    [Theory]
    [InlineData("List-Unsubscribe=One-Click&also=1")]
    [InlineData("List-Unsubscribe=one-click")]
    [InlineData("unsubscribe=yes")]
    public async Task OtherPost_GetsThePage(string body)
    {
        var request = Clients.Browser("/u/m-1/r-otherpost", Clients.NextAddress(), HttpMethod.Post);
        request.Content = new StringContent(body, System.Text.Encoding.ASCII, "application/x-www-form-urlencoded");

        var response = await _host.Client.SendAsync(request);

        Assert.True(ShieldClient.IsInterstitial(await response.Content.ReadAsStringAsync()));
        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task HugeFormPost_Gets413()
    {
        var request = Clients.Bare("/u/m-1/r-huge", Clients.NextAddress(), null, HttpMethod.Post);
        request.Content = new StringContent("List-Unsubscribe=" + new string('x', 100_000), System.Text.Encoding.ASCII, "application/x-www-form-urlencoded");

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task HugeFormPost_WithoutALength_Gets413()
    {
        var request = Clients.Bare("/u/m-1/r-huge-chunked", Clients.NextAddress(), null, HttpMethod.Post);
        request.Content = new StreamContent(new MemoryStream(System.Text.Encoding.ASCII.GetBytes("List-Unsubscribe=" + new string('x', 100_000))));
        request.Content.Headers.ContentType = new("application/x-www-form-urlencoded");
        request.Headers.TransferEncodingChunked = true;

        var response = await _host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Empty(_host.Ledger.Events);
    }

    [Fact]
    public async Task Honeypot_AnswersANeutralPage_AndTagsTheAddress()
    {
        var address = Clients.NextAddress();

        var response = await _host.Client.SendAsync(Clients.Browser("/h/m-1/r-trap", address));
        await _host.Client.SendAsync(Clients.Browser("/c/m-1/r-trap/l-1", address));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(_host.Ledger.Events, e => e.Action == "honeypot");
        Assert.Contains("tag.ip", Assert.Single(_host.Ledger.Events).Header("X-Bot-Reasons")!.Split(','));
    }

    private const string FirefoxUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";

    /// <summary>
    /// A person's one click through the page: the page, a reading pause, the press, and the request the 303 leads to, with
    /// its cookie; each request shaped by <paramref name="browser"/> (Chrome's by default). The press's answer.
    /// </summary>
    private async Task<HttpResponseMessage> PressAsync(string path, string address, Func<HttpRequestMessage, HttpRequestMessage>? browser = null)
    {
        browser ??= request => request;
        var page = await (await _host.Client.SendAsync(browser(Clients.Browser(path, address)))).Content.ReadAsStringAsync();
        _time.Advance(ShieldClient.ReadingTime);
        var posted = await _host.Client.SendAsync(browser(ShieldClient.ClickPost(path, address, ShieldClient.TokenIn(page))));
        if (ShieldClient.PassCookie(posted) is { } cookie)
        {
            await _host.Client.SendAsync(ShieldClient.WithCookie(browser(Clients.Browser(path, address)), cookie));
        }

        return posted;
    }

    /// <summary>A navigation as WebKit sends it: Chrome's fetch metadata without Sec-Fetch-User.</summary>
    private static HttpRequestMessage WebKitNavigation(HttpRequestMessage request)
    {
        request.Headers.Remove("Sec-Fetch-User");
        return request;
    }

    private static HttpRequestMessage WithUserAgent(HttpRequestMessage request, string userAgent)
    {
        request.Headers.Remove("User-Agent");
        request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        return request;
    }
}
