using System.Net;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;

namespace LinkGateway.Guard;

/// <summary>Real gateway, real origin, real Redis: what the origin is told about each kind of client.</summary>
[Collection(RedisCollection.Name)]
public sealed class GatewayEndToEndTests(RedisFixture redis) : IAsyncLifetime
{
    private GatewayHost _host = null!;

    public async Task InitializeAsync() => _host = await GatewayHost.StartAsync(redis.Server.Configuration);

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task PersonsBrowser_ReachesTheOriginAsHuman()
    {
        var response = await _host.Client.SendAsync(Clients.Browser("/c/m-1/r-1/l-1", Clients.NextAddress()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var seen = OriginSaw("click", "r-1");
        Assert.Equal(("human", "0", ""), (seen.Header("X-Bot-Verdict"), seen.Header("X-Bot-Score"), seen.Header("X-Bot-Reasons")));
        Assert.True(seen.SignatureValid);
    }

    [Theory]
    [InlineData("curl/8.5.0", "ua.library")]
    [InlineData("python-requests/2.32.3", "ua.library")]
    [InlineData("", "ua.missing")]
    [InlineData(null, "ua.missing")]
    public async Task AutomatedClient_ReachesTheOriginAsBotWithItsReason(string? userAgent, string reason)
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        await _host.Client.SendAsync(Clients.Bare($"/c/m-1/{recipient}/l-1", Clients.NextAddress(), userAgent));

        var seen = OriginSaw("click", recipient);
        Assert.Equal("bot", seen.Header("X-Bot-Verdict"));
        Assert.Equal(reason, seen.Header("X-Bot-Reasons")!.Split(',')[0]);
    }

    [Fact]
    public async Task Head_ReachesTheOriginAsSuspectWithMethodHead()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        await _host.Client.SendAsync(Clients.Browser($"/c/m-1/{recipient}/l-1", Clients.NextAddress(), HttpMethod.Head));

        var seen = OriginSaw("click", recipient);
        Assert.Equal(("suspect", "method.head"), (seen.Header("X-Bot-Verdict"), seen.Header("X-Bot-Reasons")));
    }

    [Fact]
    public async Task ExchangeOnlineProtectionAddress_ReachesTheOriginAsBotWithNetVendor()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        // A perfect browser: only the network gives Safe Links away.
        await _host.Client.SendAsync(Clients.Browser($"/c/m-1/{recipient}/l-1", "40.107.42.7"));

        var seen = OriginSaw("click", recipient);
        Assert.Equal("bot", seen.Header("X-Bot-Verdict"));
        Assert.Equal("net.vendor", seen.Header("X-Bot-Reasons")!.Split(',')[0]);
    }

    [Fact]
    public async Task ClientsOwnBotHeaders_NeverReachTheOrigin()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        var request = Clients.Bare($"/c/m-1/{recipient}/l-1", Clients.NextAddress(), "curl/8.5.0");
        request.Headers.TryAddWithoutValidation("X-Bot-Score", "0");
        request.Headers.TryAddWithoutValidation("X-Bot-Verdict", "human");
        request.Headers.TryAddWithoutValidation("x-bot-signature", "v1=forged");
        request.Headers.TryAddWithoutValidation("X-Bot-Anything-Else", "1");
        request.Headers.TryAddWithoutValidation("X-Bot-Degraded", "store-unavailable");

        await _host.Client.SendAsync(request);

        var seen = OriginSaw("click", recipient);
        Assert.Equal("bot", seen.Header("X-Bot-Verdict"));
        Assert.NotEqual("0", seen.Header("X-Bot-Score"));
        Assert.DoesNotContain(seen.BotHeaders.Keys, k => k.Equals("X-Bot-Anything-Else", StringComparison.OrdinalIgnoreCase));
        Assert.Null(seen.Header("X-Bot-Degraded"));
        Assert.True(seen.SignatureValid);
    }

    [Fact]
    public async Task Signature_VerifiesWithTheDocumentedCanonicalString()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        await _host.Client.SendAsync(Clients.Bare($"/c/m-1/{recipient}/l-1?t=1795395119&x=a%20b", Clients.NextAddress(), "curl/8.5.0"));

        var seen = OriginSaw("click", recipient);
        // Rebuilt here by hand, as an origin in another language would, from docs/reference/header-contract.md.
        var canonical = string.Join('\n', "v1", seen.Header("X-Bot-Score"), seen.Header("X-Bot-Verdict"), seen.Header("X-Bot-Reasons"),
            seen.Header("X-Bot-Degraded") ?? "", "GET", $"/c/m-1/{recipient}/l-1?t=1795395119&x=a%20b", seen.Header("X-Bot-Timestamp"));
        var mac = System.Security.Cryptography.HMACSHA256.HashData(_host.SigningKey, System.Text.Encoding.UTF8.GetBytes(canonical));
        Assert.Equal("v1=" + Convert.ToBase64String(mac), seen.Header("X-Bot-Signature"));
    }

    [Fact]
    public async Task ForwardedHeadersLeftovers_AreNotForwarded()
    {
        var recipient = $"r-{Guid.NewGuid():N}";
        await _host.Client.SendAsync(Clients.Browser($"/c/m-1/{recipient}/l-1", Clients.NextAddress()));

        var seen = OriginSaw("click", recipient);
        Assert.Null(seen.ForwardingHeaders.GetValueOrDefault("X-Original-For"));
        Assert.NotNull(seen.ForwardingHeaders.GetValueOrDefault("X-Forwarded-For"));
    }

    [Fact]
    public async Task BotVerdict_TagsTheAddress_AndALaterRequestWithEvidenceCarriesTagIp()
    {
        var address = Clients.NextAddress();
        await _host.Client.SendAsync(Clients.Bare("/c/m-2/r-scan/l-1", address, "python-requests/2.32.3"));

        // Strong evidence of its own (HEAD: no person's browser sends it for a link): the address's tag counts with it.
        await _host.Client.SendAsync(Clients.Browser("/c/m-2/r-later/l-1", address, HttpMethod.Head));

        var seen = OriginSaw("click", "r-later");
        Assert.Equal(("bot", "method.head,tag.ip"), (seen.Header("X-Bot-Verdict"), seen.Header("X-Bot-Reasons")));
    }

    [Fact]
    public async Task TaggedAddress_DoesNotTaintAPersonsCleanBrowserOfOtherSoftware()
    {
        // The person's own antivirus fetched the link first, from the person's address.
        var address = Clients.NextAddress();
        await _host.Client.SendAsync(Clients.Bare("/c/m-2/r-av/l-1", address, "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1)"));
        await _host.Client.SendAsync(Clients.Bare("/c/m-2/r-av/l-2", address, "curl/8.5.0"));

        await _host.Client.SendAsync(Clients.Browser("/c/m-2/r-person/l-1", address));

        Assert.Equal(("human", ""), (OriginSaw("click", "r-person").Header("X-Bot-Verdict"), OriginSaw("click", "r-person").Header("X-Bot-Reasons")));
    }

    [Fact]
    public async Task RequestLog_HasOneEventPerRequestWithTheVerdict()
    {
        var address = Clients.NextAddress();
        await _host.Client.SendAsync(Clients.Bare("/o/m-3/r-log", address, "curl/8.5.0"));

        // The request log is written as the response completes, so the client can be a moment ahead of it.
        var single = await _host.Log.WaitForAsync(e => e.Properties.TryGetValue("ClientAddress", out var a) && a.ToString() == $"\"{address}\"");
        Assert.Single(_host.Log.Events, e => e.Properties.TryGetValue("ClientAddress", out var a) && a.ToString() == $"\"{address}\"");
        Assert.Equal("\"open\"", single.Properties["LinkKind"].ToString());
        Assert.Equal("\"bot\"", single.Properties["Verdict"].ToString());
        Assert.StartsWith("\"ua.library", single.Properties["Reasons"].ToString());
        Assert.True(int.Parse(single.Properties["Score"].ToString(), System.Globalization.CultureInfo.InvariantCulture) >= 80);
        Assert.Matches("^\"[^\"]+:[0-9A-F]+\"$", single.Properties["RequestId"].ToString()); // Kestrel's connection:number
    }

    private OriginEvent OriginSaw(string action, string recipient) =>
        Assert.Single(_host.Ledger.Events, e => e.Action == action && e.RecipientId == recipient);
}
