using System.Diagnostics.Metrics;
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

    /// <summary>
    /// One address held every in-flight slot with slow bodies, sent slowly enough to pass its token bucket: each client
    /// has its own share of the in-flight requests; past it, that client (its own doing) gets 429, and everyone else is served.
    /// </summary>
    [Fact]
    public async Task PastItsOwnInFlightLimit_AClientGets429WithRetryAfter_AndOtherClientsAreServed()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var twoHeld = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var held = 0;
        await using var origin = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]).Build();
        origin.MapGet("/{**path}", async (string path) =>
        {
            if (path.Contains("held", StringComparison.Ordinal))
            {
                if (Interlocked.Increment(ref held) == 2)
                {
                    twoHeld.TrySetResult();
                }

                await release.Task;
            }

            return Results.Ok();
        });
        await origin.StartAsync();
        await using var host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>
        {
            ["LinkGateway:RateLimit:MaxConcurrentPerClient"] = "2",
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = origin.Urls.First(),
        });
        var (rateLimited, shed) = (0L, 0L);
        using var listener = CountRefusals(host, () => Interlocked.Increment(ref rateLimited), () => Interlocked.Increment(ref shed));
        var busy = Clients.NextAddress();

        var first = host.Client.SendAsync(Clients.Browser("/c/m-1/r-held-1/l-1", busy));
        var second = host.Client.SendAsync(Clients.Browser("/c/m-1/r-held-2/l-1", busy));
        await twoHeld.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var third = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-third/l-1", busy));
        var someoneElse = await host.Client.SendAsync(Clients.Browser("/c/m-1/r-else/l-1", Clients.NextAddress()));
        release.SetResult();

        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("Too many requests. Please try again in a moment.", await third.Content.ReadAsStringAsync());
        Assert.Equal(TimeSpan.FromSeconds(1), third.Headers.RetryAfter?.Delta);
        Assert.Equal((1L, 0L), (Interlocked.Read(ref rateLimited), Interlocked.Read(ref shed)));
        Assert.Equal(HttpStatusCode.OK, someoneElse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await first).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await second).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.SendAsync(Clients.Browser("/c/m-1/r-after/l-1", busy))).StatusCode); // its slots came back
    }

    /// <summary>Counts this gateway's rate_limited and shed measurements (its own meter factory: other gateways in the process are not counted).</summary>
    private static MeterListener CountRefusals(GatewayHost host, Action rateLimited, Action shed)
    {
        var meters = host.Services.GetRequiredService<IMeterFactory>();
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listening) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name is "linkgateway.rate_limited" or "linkgateway.shed")
                {
                    listening.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, _, _, _) => (instrument.Name == "linkgateway.shed" ? shed : rateLimited)());
        listener.Start();
        return listener;
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
