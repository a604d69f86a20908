using System.Buffers.Text;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using LinkGateway.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;
using StackExchange.Redis;

namespace LinkGateway.Guard;

/// <summary>
/// Each link layout of config/examples through a real gateway on Redis: what the gateway reads from the URL is what its
/// behaviour counts. The demo origin knows none of these paths, so what the origin answers (404) shows the request was
/// forwarded; the request log says how it was judged.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class LinkLayoutTests(RedisFixture redis)
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private static string Example(string name) => Path.Combine(RepoFiles.Root, "config", "examples", name);

    [Fact]
    public async Task Pattern_ReadsIdsFromOneSegment_AndTheFirstSightingIsTheSendTime_OnEveryNode()
    {
        var prefix = $"lg:layout-{Guid.NewGuid():N}:";
        await using var node1 = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, time: _time, configFile: Example("pattern-first-seen.json"));

        var first = await Get(node1, "/e/c/m-p.r-1.l-1", Clients.NextAddress());
        _time.Advance(TimeSpan.FromSeconds(5));
        var soonAfter = await Get(node1, "/e/c/m-p.r-2.l-1", Clients.NextAddress());
        var scanner = Clients.NextAddress();
        await Get(node1, "/e/c/m-p.r-3.l-1", scanner);
        var burst = await Get(node1, "/e/c/m-p.r-3.l-2", scanner);

        Assert.DoesNotContain("timing.fast", first.Reasons); // nothing came before the first sighting
        Assert.Contains("timing.fast", soonAfter.Reasons);
        Assert.Contains("burst.links", burst.Reasons); // message, recipient and link came from the pattern's groups

        // Two hours on, on this node and on one that never saw the message: no longer fast, and tabs opened at once are a
        // person reading, not a delivery-time burst.
        _time.Advance(TimeSpan.FromHours(2));
        await using var node2 = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, time: _time, configFile: Example("pattern-first-seen.json"));
        foreach (var (node, recipient) in new[] { (node1, "r-4"), (node2, "r-5") })
        {
            var reader = Clients.NextAddress();
            var tab1 = await Get(node, $"/e/c/m-p.{recipient}.l-1", reader);
            var tab2 = await Get(node, $"/e/c/m-p.{recipient}.l-2", reader);
            Assert.Equal((HttpStatusCode.NotFound, "human", "human"), (tab2.Status, tab1.Verdict, tab2.Verdict));
        }

        // The first sighting lives as long as a tag (Memory:TagTtl, a day), not longer: any client can name a message.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var seenKey = Assert.Single(await Keys(prefix), k => k.EndsWith("{msg:m-p}:seen", StringComparison.Ordinal));
        Assert.InRange((await connection.GetDatabase().KeyTimeToLiveAsync(seenKey))!.Value, TimeSpan.FromHours(23), TimeSpan.FromDays(1));
    }

    [Fact]
    public async Task ANodesCopyOfAFirstSighting_EndsWithTheStoresSighting()
    {
        // The in-process store follows the test's clock, so the store's sighting really expires after Memory:TagTtl.
        await using var node = await GatewayHost.StartAsync(time: _time, configFile: Example("pattern-first-seen.json"));
        await Get(node, "/e/c/m-q.r-1.l-1", Clients.NextAddress()); // the first sighting: this node keeps a copy

        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        var scanner = Clients.NextAddress();
        await Get(node, "/e/c/m-q.r-2.l-1", scanner);
        var second = await Get(node, "/e/c/m-q.r-2.l-2", scanner);

        // The store saw the message anew a moment ago: a delivery-time burst, as a node without the copy judges it.
        Assert.Contains("burst.links", second.Reasons);
    }

    [Fact]
    public async Task Jwt_Hs256AndEs256TokensAreIdentity_AForgedOneIsForwardedAndJudgedWithout()
    {
        var secret = RandomNumberGenerator.GetBytes(32);
        using var sender = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var prefix = $"lg:layout-{Guid.NewGuid():N}:";
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, time: _time, configFile: Example("jwt.json"), settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Identities:jwt:Keys:2026-hs:Secret"] = Convert.ToBase64String(secret),
            ["LinkGateway:Identities:jwt:Keys:2026-es:PublicKey"] = sender.ExportSubjectPublicKeyInfoPem(),
        });
        string Hs(string claims) => Jwt("""{"alg":"HS256","kid":"2026-hs"}""", claims, data => HMACSHA256.HashData(secret, data));
        string Es(string claims) => Jwt("""{"alg":"ES256","kid":"2026-es"}""", claims, data => sender.SignData(data, HashAlgorithmName.SHA256));

        var hsClient = Clients.NextAddress();
        await Get(host, $"/j/c/{Hs("""{"mid":"m-hs","sub":"r-1","lid":"l-1"}""")}", hsClient);
        var hsBurst = await Get(host, $"/j/c/{Hs("""{"mid":"m-hs","sub":"r-1","lid":"l-2"}""")}", hsClient);
        var esClient = Clients.NextAddress();
        await Get(host, $"/j/c/{Es("""{"mid":"m-es","sub":"r-1","lid":"l-1"}""")}", esClient);
        var esBurst = await Get(host, $"/j/c/{Es("""{"mid":"m-es","sub":"r-1","lid":"l-2"}""")}", esClient);
        var genuine = Hs("""{"mid":"m-hs","sub":"r-2","lid":"l-1"}""").Split('.');
        var forged = $"{genuine[0]}.{B64("""{"mid":"m-forged","sub":"r-9","lid":"l-1"}""")}.{genuine[2]}";
        var judgedWithout = await Get(host, $"/j/o/{forged}", Clients.NextAddress());

        Assert.Contains("burst.links", hsBurst.Reasons);
        Assert.Contains("burst.links", esBurst.Reasons);
        Assert.Equal((HttpStatusCode.NotFound, "human"), (judgedWithout.Status, judgedWithout.Verdict)); // forwarded, judged
        var keys = await Keys(prefix);
        Assert.Contains(keys, k => k.Contains("{m:m-hs:r-1}", StringComparison.Ordinal));
        Assert.DoesNotContain(keys, k => k.Contains("m-forged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UrlAsLink_DistinctTrackingUrlsAtOnceAreABurst_TwoTabsAndARelayAreNot_AndNothingIsTagged()
    {
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration, time: _time, configFile: Example("url-as-link.json"));

        var scanner = Clients.NextAddress();
        var scan1 = await Get(host, "/go/Zm9vYmFy?a=1", scanner);
        var scan2 = await Get(host, "/go/YmF6cXV4?a=1", scanner);
        var scan3 = await Get(host, "/go/cXV1eA?a=1", scanner);
        var person = Clients.NextAddress();
        var tab1 = await Get(host, "/go/Zm9vYmFy?a=1", person);
        var tab2 = await Get(host, "/go/YmF6cXV4?a=1", person); // two links opened in tabs at once
        const string Relay = "172.225.12.78"; // iCloud Private Relay egress: many people at once
        await Get(host, "/go/cmVsYXkx", Relay);
        await Get(host, "/go/cmVsYXky", Relay);
        var relayed = await Get(host, "/go/cmVsYXkz", Relay);
        _time.Advance(TimeSpan.FromSeconds(10));
        var colleague = await Get(host, "/go/b2ZmaWNl", scanner); // the next person behind the scanner's address, later

        Assert.Equal(("human", "human", "bot"), (scan1.Verdict, scan2.Verdict, scan3.Verdict));
        Assert.Contains("burst.links", scan3.Reasons);
        Assert.Equal(("human", "human"), (tab1.Verdict, tab2.Verdict));
        Assert.DoesNotContain("burst.links", relayed.Reasons);
        Assert.Equal(("human", 0), (colleague.Verdict, colleague.Reasons.Count)); // a URL burst tags neither address nor browser
    }

    [Fact]
    public async Task Listmonk_ClicksCountPerCampaignAndSubscriber_TheUnsubscribePageIsShielded_OneClickIsForwarded()
    {
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration, time: _time, configFile: Example("listmonk.json"));
        var (campaign, subscriber) = (Guid.NewGuid(), Guid.NewGuid());

        var scanner = Clients.NextAddress();
        await Get(host, $"/link/{Guid.NewGuid()}/{campaign}/{subscriber}", scanner);
        var burst = await Get(host, $"/link/{Guid.NewGuid()}/{campaign}/{subscriber}", scanner);
        var page = await host.Client.SendAsync(Clients.Bare($"/subscription/{campaign}/{subscriber}", Clients.NextAddress(), "python-requests/2.32.3"));
        var oneClick = Clients.Bare($"/subscription/{campaign}/{Guid.NewGuid()}", Clients.NextAddress(), "python-requests/2.32.3", HttpMethod.Post);
        oneClick.Content = new FormUrlEncodedContent([new("List-Unsubscribe", "One-Click")]);
        var posted = await host.Client.SendAsync(oneClick);

        Assert.Contains("burst.links", burst.Reasons);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode); // the gateway's page: the origin knows no such path
        Assert.Contains("<form", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode); // forwarded to the origin
    }

    [Fact]
    public async Task Mautic_TheClickThroughNamesEmailAndLead_ThePixelIsAnOpen()
    {
        var prefix = $"lg:layout-{Guid.NewGuid():N}:";
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, time: _time, configFile: Example("mautic.json"));
        // base64 of PHP serialize() of the click-through array, URL-encoded, as Mautic's ClickthroughHelper writes it.
        var ct = Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(
            """a:4:{s:6:"source";a:2:{i:0;s:5:"email";i:1;i:7;}s:5:"email";i:7;s:4:"stat";s:13:"5f1a2b3c4d5e6";s:4:"lead";i:12;}""")));

        var scanner = Clients.NextAddress();
        await Get(host, $"/r/41?ct={ct}", scanner);
        var burst = await Get(host, $"/r/42?ct={ct}", scanner);
        var open = await Get(host, "/email/5f1a2b3c4d5e6.gif", Clients.NextAddress());

        Assert.Contains("burst.links", burst.Reasons);
        Assert.Contains(await Keys(prefix), k => k.Contains("{m:7:12}", StringComparison.Ordinal));
        Assert.Equal("open", open.Kind);
    }

    private sealed record Judged(HttpStatusCode Status, string? Kind, string? Verdict, IReadOnlyList<string> Reasons);

    /// <summary>A browser's GET, and how the request log says it was judged (the log is written once the guard is done).</summary>
    private static async Task<Judged> Get(GatewayHost host, string path, string address)
    {
        var target = path.Split('?')[0];
        var before = host.Log.Events.Count(e => IsRequest(e, target));
        var response = await host.Client.SendAsync(Clients.Browser(path, address));
        await host.Log.WaitForAsync(_ => host.Log.Events.Count(e => IsRequest(e, target)) > before);
        var logged = host.Log.Events.Where(e => IsRequest(e, target)).ElementAt(before);
        string? Text(string name) => logged.Properties.TryGetValue(name, out var value) ? ((ScalarValue)value).Value?.ToString() : null;
        var reasons = Text("Reasons") is { Length: > 0 } list ? list.Split(',') : [];
        return new Judged(response.StatusCode, Text("LinkKind"), Text("Verdict"), reasons);
    }

    private static bool IsRequest(LogEvent e, string path) =>
        e.Properties.TryGetValue("RequestPath", out var p) && p is ScalarValue { Value: string logged } && logged == path;

    private async Task<List<string>> Keys(string prefix)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        return connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
    }

    private static string Jwt(string header, string claims, Func<byte[], byte[]> sign)
    {
        var signed = $"{B64(header)}.{B64(claims)}";
        return $"{signed}.{Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signed)))}";
    }

    private static string B64(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
