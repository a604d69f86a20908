using Microsoft.AspNetCore.Http;
using System.Net;
using LinkGateway.Hosting;
using LinkGateway.Infrastructure;
using LinkGateway.Signing;

namespace LinkGateway.LandingVerdict;

/// <summary>
/// Click routes carry a scanner's verdict on to the landing page (route Metadata "LandingVerdict"), signed, on the origin's
/// own redirect only, and never for a person unless the route asks.
/// </summary>
public sealed class LandingVerdictTests
{
    private const string Landing = "https://Shop.example/sale?utm_source=mail#top";

    [Fact]
    public async Task BotClick_Query_AppendsASignedVerdict_AndLeavesTheRestOfTheLocationAsTheOriginWroteIt()
    {
        await using var origin = await ScriptedOrigin.StartAsync(Redirect(Landing));
        await using var host = await StartAsync(origin, "query");

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-1/l-1", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!.OriginalString;
        Assert.StartsWith("https://Shop.example/sale?utm_source=mail&lg_v=bot.", location);
        Assert.EndsWith("#top", location);
        var value = location["https://Shop.example/sale?utm_source=mail&lg_v=".Length..^"#top".Length];
        var verifier = new LandingVerdictSignature(host.SigningKey);
        Assert.Equal("bot", verifier.Verify(value, "shop.example", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
        Assert.Null(verifier.Verify(value, "other.example", DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5))); // bound to the landing host
    }

    [Fact]
    public async Task SuspectClick_Query_CarriesSuspect()
    {
        await using var origin = await ScriptedOrigin.StartAsync(Redirect("https://shop.example/"));
        await using var host = await StartAsync(origin, "query");

        // A browser's User-Agent without a browser's headers: suspect.
        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-2/l-1", Clients.NextAddress(), Clients.ChromeUserAgent));

        Assert.StartsWith("https://shop.example/?lg_v=suspect.", response.Headers.Location!.OriginalString);
    }

    [Fact]
    public async Task PersonClick_CarriesNothing_UnlessTheRouteAsksForHumansToo()
    {
        await using var origin = await ScriptedOrigin.StartAsync(Redirect(Landing));
        await using (var host = await StartAsync(origin, "query"))
        {
            var response = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-3/l-1", Clients.NextAddress()));
            Assert.Equal(Landing, response.Headers.Location!.OriginalString);
        }

        await using (var host = await StartAsync(origin, "query", new() { ["ReverseProxy:Routes:click:Metadata:LandingVerdictFrom"] = "human" }))
        {
            var response = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-4/l-1", Clients.NextAddress()));
            Assert.Contains("&lg_v=human.", response.Headers.Location!.OriginalString);
        }
    }

    [Theory]
    [InlineData("/landing?x=1")]
    [InlineData("//evil.example/landing")]
    [InlineData("javascript:alert(1)")]
    [InlineData("ftp://shop.example/file")]
    public async Task LocationThatIsNotAnAbsoluteHttpUrl_IsLeftAlone(string location)
    {
        await using var origin = await ScriptedOrigin.StartAsync(Redirect(location));
        await using var host = await StartAsync(origin, "query");

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-5/l-1", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal(location, response.Headers.GetValues("Location").Single());
    }

    [Fact]
    public async Task AnswerThatIsNotARedirect_GetsNothing()
    {
        await using var origin = await ScriptedOrigin.StartAsync(context => context.Response.WriteAsync("a page"));
        await using var host = await StartAsync(origin, "cookie");

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-6/l-1", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Fact]
    public async Task BotClick_Cookie_SetsASignedCookieOnTheTrackingDomain_AndLeavesTheLocationAlone()
    {
        await using var origin = await ScriptedOrigin.StartAsync(Redirect(Landing));
        await using var host = await StartAsync(origin, "cookie");

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-7/l-1", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal(Landing, response.Headers.Location!.OriginalString);
        var cookie = Assert.Single(response.Headers.GetValues("Set-Cookie"), c => c.StartsWith("lg_v=", StringComparison.Ordinal));
        Assert.Contains("path=/", cookie);
        Assert.Contains("samesite=lax", cookie);
        var value = cookie.Split(';')[0]["lg_v=".Length..];
        Assert.Equal("bot", new LandingVerdictSignature(host.SigningKey).Verify(value, host.Address.Host, DateTimeOffset.UtcNow, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public async Task Off_ByDefault()
    {
        await using var origin = await ScriptedOrigin.StartAsync(Redirect(Landing));
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>([origin.AsClusterSetting()]));

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-8/l-1", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal(Landing, response.Headers.Location!.OriginalString);
        Assert.False(response.Headers.Contains("Set-Cookie"));
    }

    [Theory]
    [InlineData("https://shop.example/p", "V", "https://shop.example/p?lg_v=V")]
    [InlineData("https://shop.example/p?a=1#f", "V", "https://shop.example/p?a=1&lg_v=V#f")]
    [InlineData("https://shop.example/p?a=1&lg_v=human.1.x&b=2#f", "bot.2.y", "https://shop.example/p?a=1&b=2&lg_v=bot.2.y#f")] // the origin's own, replaced
    [InlineData("https://shop.example/p?lg_v", "V", "https://shop.example/p?lg_v=V")]
    [InlineData("https://shop.example/p?lg_v=a&lg_v=b", "V", "https://shop.example/p?lg_v=V")]
    [InlineData("https://shop.example/p?lg_vx=1", "V", "https://shop.example/p?lg_vx=1&lg_v=V")] // another parameter that starts alike stays
    // A client's lg_v reflected into the origin's Location in another spelling: read as lg_v by a landing page that ignores
    // case (ASP.NET Core) or decodes names (all), and first in Node's and Go's get.
    [InlineData("https://shop.example/p?x=1&lg_V=forged", "V", "https://shop.example/p?x=1&lg_v=V")]
    [InlineData("https://shop.example/p?LG_V=forged&x=1", "V", "https://shop.example/p?x=1&lg_v=V")]
    [InlineData("https://shop.example/p?lg%5Fv=forged&x=1", "V", "https://shop.example/p?x=1&lg_v=V")]
    [InlineData("https://shop.example/p?lg%5fV=forged", "V", "https://shop.example/p?lg_v=V")]
    [InlineData("https://shop.example/p?%6Cg_v=forged", "V", "https://shop.example/p?lg_v=V")]
    // ... or after a ';', which some parsers split on too (Python's before 3.9.2, older CGI); a ';' in a value stays.
    [InlineData("https://shop.example/p?a=1;lg_v=forged", "V", "https://shop.example/p?a=1&lg_v=V")]
    [InlineData("https://shop.example/p?lg_v=forged;a=1&b=2", "V", "https://shop.example/p?a=1&b=2&lg_v=V")]
    [InlineData("https://shop.example/p?x=1&;LG_V=forged;", "V", "https://shop.example/p?x=1&;&lg_v=V")]
    [InlineData("https://shop.example/p?q=a;b", "V", "https://shop.example/p?q=a;b&lg_v=V")]
    public void TheVerdictParameter_ReplacesAnyTheOriginWrote_AndKeepsTheRest(string location, string value, string expected)
    {
        Assert.Equal(expected, LandingVerdictTransformProvider.WithParameter(location, value));
    }

    [Theory]
    [InlineData("ReverseProxy:Routes:unsubscribe:Metadata:LandingVerdict", "query", "ReverseProxy:Routes:unsubscribe:Metadata:LandingVerdict: \"query\" is not allowed here (off, query or cookie, on click routes)")]
    [InlineData("ReverseProxy:Routes:click:Metadata:LandingVerdict", "header", "ReverseProxy:Routes:click:Metadata:LandingVerdict: \"header\" is not allowed here")]
    [InlineData("ReverseProxy:Routes:click:Metadata:LandingVerdictFrom", "maybe", "ReverseProxy:Routes:click:Metadata:LandingVerdictFrom: \"maybe\" is not a verdict")]
    [InlineData("ReverseProxy:Routes:click:Metadata:LandingVerdict", "query,cookie", "ReverseProxy:Routes:click:Metadata:LandingVerdict: \"query,cookie\" is not allowed here")]
    [InlineData("ReverseProxy:Routes:click:Metadata:LandingVerdict", "1", "ReverseProxy:Routes:click:Metadata:LandingVerdict: \"1\" is not allowed here")]
    [InlineData("ReverseProxy:Routes:click:Metadata:LandingVerdictFrom", "suspect,bot", "ReverseProxy:Routes:click:Metadata:LandingVerdictFrom: \"suspect,bot\" is not a verdict")]
    [InlineData("ReverseProxy:Routes:click:Metadata:OnBot", "forward,interstitial", "ReverseProxy:Routes:click:Metadata:OnBot: \"forward,interstitial\" is not allowed")]
    [InlineData("ReverseProxy:Routes:click:Metadata:LandingVerdic", "query", "ReverseProxy:Routes:click:Metadata:LandingVerdic: unknown key (did you mean LandingVerdict?)")]
    public void BadMetadata_StopsStartUpNamingTheKey(string key, string value, string expected)
    {
        var error = Assert.Throws<GatewayConfigurationException>(() => GatewayApp.Build(new GatewayLaunch(false, RepoFiles.ConfigFile, []),
            new Dictionary<string, string?> { ["LinkGateway:Signing:Key"] = Convert.ToBase64String(new byte[32]), [key] = value }));

        Assert.Contains(error.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    private static Func<HttpContext, Task> Redirect(string location) => context =>
    {
        context.Response.StatusCode = StatusCodes.Status302Found;
        context.Response.Headers.Location = location;
        return Task.CompletedTask;
    };

    private static Task<GatewayHost> StartAsync(ScriptedOrigin origin, string mode, Dictionary<string, string?>? more = null)
    {
        var settings = new Dictionary<string, string?>(more ?? []) { ["ReverseProxy:Routes:click:Metadata:LandingVerdict"] = mode };
        settings.Add(origin.AsClusterSetting().Key, origin.Address);
        return GatewayHost.StartAsync(settings: settings);
    }
}
