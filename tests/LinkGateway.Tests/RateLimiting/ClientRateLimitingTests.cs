using System.Net;
using LinkGateway.Infrastructure;
using Microsoft.AspNetCore.Http;

namespace LinkGateway.RateLimiting;

public sealed class ClientRateLimitingTests
{
    [Fact]
    public async Task OverTheBurst_Gets429WithANeutralBody_OnlyForThatAddress()
    {
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LinkGateway:RateLimit:Burst"] = "3",
            ["LinkGateway:RateLimit:PerSecond"] = "1",
        });
        var busy = Clients.NextAddress();

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 10; i++)
        {
            answers.Add(await host.Client.SendAsync(Clients.Browser($"/c/m-1/r-{i}/l-1", busy)));
        }

        // The bucket refills one token a second on a timer of its own, so one more may pass at a tick.
        Assert.All(answers.Take(3), a => Assert.Equal(HttpStatusCode.Redirect, a.StatusCode));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.InRange(limited.Count, 6, 7);
        Assert.Equal("Too many requests. Please try again in a moment.", await limited[0].Content.ReadAsStringAsync());
        Assert.NotNull(limited[0].Headers.RetryAfter);
        Assert.Equal(10 - limited.Count, host.Ledger.Events.Count); // limited requests never reach the origin

        Assert.Equal(HttpStatusCode.Redirect, (await host.Client.SendAsync(Clients.Browser("/c/m-1/r-other/l-1", Clients.NextAddress()))).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
    }

    [Fact]
    public async Task PastTheInFlightLimit_RequestsAreShedWith503AndRetryAfter_AndTheGatewayKeepsAnswering()
    {
        // An origin that holds every request until told: what a stalled backend does to a gateway.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var origin = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]).Build();
        origin.MapGet("/{**path}", async () =>
        {
            held.TrySetResult();
            await release.Task;
            return Results.Ok();
        });
        await origin.StartAsync();
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LinkGateway:RateLimit:MaxConcurrentRequests"] = "1",
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = origin.Urls.First(),
        });

        var first = host.Client.SendAsync(Clients.Browser("/c/m-1/r-held/l-1", Clients.NextAddress()));
        await held.Task;
        var shed = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-shed/l-1", Clients.NextAddress()));
        var health = await host.Client.GetAsync("/healthz");
        release.SetResult();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, shed.StatusCode);
        Assert.Equal("The service is busy. Please try again in a moment.", await shed.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(1), shed.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode); // health is never shed
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Clients.Browser("/c/m-1/r-after/l-1", Clients.NextAddress()))).StatusCode);
    }

    /// <summary>Issue 10, item 10: 400 addresses of one /64 got no 429.</summary>
    [Theory]
    [InlineData(null, "2001:db8:7:1::{0:x}", true)] // default /64: ten addresses of one /64 share a bucket
    [InlineData(null, "2001:db8:7:{0:x}::1", false)] // ten /64s: ten buckets
    [InlineData("48", "2001:db8:7:{0:x}::1", true)]
    [InlineData("128", "2001:db8:7:1::{0:x}", false)]
    [InlineData(null, "::ffff:198.51.100.{0}", false)] // IPv4, written IPv4-mapped: per address
    public async Task IPv6Clients_ShareOneBucketPerPrefix(string? prefixLength, string addressPattern, bool shared)
    {
        var settings = new Dictionary<string, string?>
        {
            ["LinkGateway:RateLimit:Burst"] = "3",
            ["LinkGateway:RateLimit:PerSecond"] = "1",
        };
        if (prefixLength is not null)
        {
            settings["LinkGateway:RateLimit:IPv6PrefixLength"] = prefixLength;
        }

        await using var host = await GatewayHost.StartAsync(settings: settings);

        var limited = 0;
        for (var i = 1; i <= 10; i++)
        {
            var address = string.Format(System.Globalization.CultureInfo.InvariantCulture, addressPattern, i);
            var answer = await host.Client.SendAsync(Clients.Browser($"/c/m-1/r-{i}/l-1", address));
            limited += answer.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        // As above: one more may pass at a tick of the bucket's own refill timer.
        Assert.InRange(limited, shared ? 6 : 0, shared ? 7 : 0);
    }

    [Theory]
    [InlineData("2001:db8:1:2:3:4:5:6", 64, "2001:db8:1:2::")]
    [InlineData("2001:db8:1:2:3:4:5:6", 56, "2001:db8:1::")]
    [InlineData("2001:db8:1:2:3:4:5:6", 128, "2001:db8:1:2:3:4:5:6")]
    [InlineData("::ffff:203.0.113.9", 64, "203.0.113.9")]
    [InlineData("203.0.113.9", 32, "203.0.113.9")]
    public void ClientOf_CutsIPv6ToItsPrefix_AndLeavesIPv4Whole(string address, int prefixLength, string client) =>
        Assert.Equal(IPAddress.Parse(client), ClientRateLimitingExtensions.ClientOf(IPAddress.Parse(address), prefixLength));
}
