using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

/// <summary>Hostile input and broken neighbours: every answer is safe and neutral, and nothing reaches the origin that should not.</summary>
public sealed class AbuseAndFaultTests
{
    [Fact]
    public async Task OversizedHeaders_Get431_AndOversizedUrls_Get414()
    {
        await using var host = await GatewayHost.StartAsync();

        var bigHeader = Clients.Browser("/c/m-1/r-big/l-1", Clients.NextAddress());
        bigHeader.Headers.TryAddWithoutValidation("X-Padding", new string('a', 64 * 1024));
        var bigUrl = Clients.Browser("/c/m-1/r-big/" + new string('l', 16 * 1024), Clients.NextAddress());

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, (await host.Client.SendAsync(bigHeader)).StatusCode);
        Assert.Equal(HttpStatusCode.RequestUriTooLong, (await host.Client.SendAsync(bigUrl)).StatusCode);
        Assert.Empty(host.Ledger.Events);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("203.0.113.7, garbage")]
    [InlineData("999.1.1.1")]
    [InlineData("")]
    public async Task MalformedForwardedFor_IsIgnored_AndTheRequestIsJudgedAsItCame(string forwardedFor)
    {
        await using var host = await GatewayHost.StartAsync();
        var request = Clients.Browser("/c/m-1/r-xff/l-1", "198.51.100.1");
        request.Headers.Remove("X-Forwarded-For");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", forwardedFor);

        var response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("human", Assert.Single(host.Ledger.Events).Header("X-Bot-Verdict"));
    }

    [Theory]
    [InlineData("/c/m-1/%ZZ/l-1")]
    [InlineData("/c/m-1/%00/l-1")]
    [InlineData("/u/m-1/%C0%AF")]
    public async Task OddPercentEncoding_GetsNoServerError(string path)
    {
        await using var host = await GatewayHost.StartAsync();

        var response = await host.Client.SendAsync(Clients.Browser(path, Clients.NextAddress()));

        Assert.True((int)response.StatusCode < 500, $"{path}: {(int)response.StatusCode}");
        Assert.DoesNotContain("   at ", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task CarriageReturnInAHeaderValue_Gets400()
    {
        await using var host = await GatewayHost.StartAsync();

        // HttpClient refuses to send this; a raw socket does what an attacker would.
        var answer = await RawHttp.SendAsync(host.Address, "GET /c/m-1/r-crlf/l-1 HTTP/1.1\r\nHost: localhost\r\nX-Bot-Score: 0\rX-Injected: 1\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 400", answer);
        Assert.Empty(host.Ledger.Events);
    }

    [Fact]
    public async Task Connect_Gets405_WithANeutralBody_AndNoErrorLogged()
    {
        await using var host = await GatewayHost.StartAsync();

        var answer = await RawHttp.SendAsync(host.Address, "CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\nConnection: close\r\n\r\n");

        Assert.StartsWith("HTTP/1.1 405", answer);
        Assert.EndsWith("\r\n\r\nMethod not allowed.", answer, StringComparison.Ordinal);
        Assert.DoesNotContain(host.Log.Events, e => e.Level >= Serilog.Events.LogEventLevel.Error);
    }

    [Fact]
    public async Task ProtocolRelativeRequestTarget_IsNoRedirectElsewhere()
    {
        // Sent over a raw socket: HttpClient would take "//host/..." for another host.
        await using var host = await GatewayHost.StartAsync();

        var answer = await RawHttp.SendAsync(host.Address, "GET //evil.example/u/m-1/r-1 HTTP/1.1\r\nHost: localhost\r\nUser-Agent: curl/8.5.0\r\nConnection: close\r\n\r\n");

        Assert.DoesNotContain("evil.example", answer.Split("\r\n\r\n")[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotMatch("^HTTP/1.1 30[1-8]", answer);
    }

    [Theory]
    [InlineData("/u/m-1/r-1?next=https://evil.example/")]
    [InlineData("/u/m-1/r-1?url=%2F%2Fevil.example")]
    public async Task TheGateway_NeverRedirectsElsewhere(string target)
    {
        var clock = Interstitial.ShieldClient.Clock();
        await using var host = await GatewayHost.StartAsync(time: clock);
        var address = Clients.NextAddress(); // the pass is bound to the client the page was shown to
        var page = await host.Client.SendAsync(Clients.Browser(target, address));

        Assert.NotEqual(HttpStatusCode.Redirect, page.StatusCode);
        if (Interstitial.ShieldClient.IsInterstitial(await page.Content.ReadAsStringAsync()))
        {
            clock.Advance(Interstitial.ShieldClient.ReadingTime);
            var token = Interstitial.ShieldClient.TokenIn(await page.Content.ReadAsStringAsync());
            var posted = await host.Client.SendAsync(Interstitial.ShieldClient.ClickPost(target, address, token));
            Assert.Equal(target, posted.Headers.Location?.OriginalString); // the same URL, relative, nothing else
        }
    }

    [Fact]
    public async Task OriginDown_Gets502WithAnEmptyBody()
    {
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = $"http://127.0.0.1:{RedisServer.FreeLoopbackPort()}",
        });

        var response = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-down/l-1", Clients.NextAddress()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(string.Empty, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SlowOrigin_GetsTheConfiguredTimeoutAs504()
    {
        // An origin that answers in ten seconds; the route's cluster allows one.
        var slow = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]).Build();
        slow.MapGet("/{**path}", async (CancellationToken cancelled) =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), cancelled);
            return Microsoft.AspNetCore.Http.Results.Ok();
        });
        await slow.StartAsync();
        try
        {
            await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
            {
                ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = slow.Urls.First(),
                ["ReverseProxy:Clusters:origin:HttpRequest:ActivityTimeout"] = "00:00:01",
            });
            var started = System.Diagnostics.Stopwatch.GetTimestamp();

            var response = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-slow/l-1", Clients.NextAddress()));

            Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
            Assert.InRange(System.Diagnostics.Stopwatch.GetElapsedTime(started), TimeSpan.FromSeconds(0.9), TimeSpan.FromSeconds(8));
        }
        finally
        {
            await slow.DisposeAsync();
        }
    }
}
