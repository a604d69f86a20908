using System.Globalization;
using System.Net;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>Redis killed and restarted in the middle of traffic: no request fails, verdicts go stateless and come back.</summary>
public sealed class RedisOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
    // Redis's own default when its memory is full: it refuses writes (maxmemory-policy noeviction). The probe says so at
    // start; a person's click is still answered and reaches the origin; a round trip Redis refused is stateless, and the
    // log says why.
    [Fact]
    public async Task RedisFull_RefusingWrites_LosesNoClick_AndTheGatewaySaysWhy()
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--maxmemory", "64mb"]);
        await using var host = await GatewayHost.StartAsync(redis.Configuration, settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Redis:Budget"] = "00:00:00.500",
        });
        var said = await host.Log.WaitForAsync(e => e.RenderMessage(CultureInfo.InvariantCulture).Contains("refuses writes once it holds 64 MB", StringComparison.Ordinal));
        Assert.Equal(Serilog.Events.LogEventLevel.Warning, said.Level);

        // Another application's keys take 3 MB, and the limit drops below them: Redis is full, and stays so while keys of
        // the gateway's own expire.
        await using var other = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        var filler = new string('x', 1000);
        await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => other.GetDatabase().StringSetAsync($"other:{i}", filler)));
        await other.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory", "1mb");

        // A person's late click (its mail sent yesterday, the usual case) writes its address's recent list first, which
        // Redis refuses; clicks at delivery write a window's expiry first, which Redis never refuses, and once a script has
        // written Redis lets it write on (7.0.15 here), so those are stateful, past the limit.
        var sentYesterday = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeSeconds();
        var clicks = new List<OriginEvent>();
        for (var i = 0; i < 20; i++)
        {
            var at = i % 2 == 0 ? "" : $"?t={sentYesterday}";
            var response = await host.Client.SendAsync(Clients.Browser($"/c/m-full/r-{i}/l-1{at}", Clients.NextAddress()));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            clicks.Add(host.Ledger.Events[^1]);
        }

        Assert.Equal(20, clicks.Select(e => e.RecipientId).Distinct().Count()); // each reached the origin
        Assert.Equal("store-unavailable", clicks[1].Header("X-Bot-Degraded"));
        Assert.Contains(host.Log.Events, e => e.Level == Serilog.Events.LogEventLevel.Warning
            && e.RenderMessage(CultureInfo.InvariantCulture).Contains("failed a round trip (\"RedisServerException\": \"OOM command not allowed", StringComparison.Ordinal));
    }

    [Fact]
    public async Task RedisKilledAndRestarted_LosesNoRequest_AndTheGatewayRecoversByItself()
    {
        await using var redis = await RedisServer.StartAsync(local: true);
        await using var host = await GatewayHost.StartAsync($"{redis.Configuration},connectTimeout=500", settings: new Dictionary<string, string?>
        {
            // Generous for a busy CI machine: a healthy round trip never takes this long, and a dead Redis fails at once.
            ["LinkGateway:Redis:Budget"] = "00:00:00.500",
        });
        var sent = 0;

        async Task<OriginEvent> ClickAsync()
        {
            var response = await host.Client.SendAsync(Clients.Browser($"/c/m-outage/r-{sent++}/l-1", Clients.NextAddress()));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode); // never fails because of Redis
            return host.Ledger.Events[^1];
        }

        await ClickAsync(); // loads the scripts
        for (var i = 0; i < 10; i++)
        {
            Assert.Null((await ClickAsync()).Header("X-Bot-Degraded"));
        }

        redis.Kill();
        var during = new List<OriginEvent>();
        for (var i = 0; i < 10; i++)
        {
            during.Add(await ClickAsync());
        }

        Assert.All(during, e => Assert.Equal(("store-unavailable", "human"), (e.Header("X-Bot-Degraded"), e.Header("X-Bot-Verdict"))));
        // Still ready (the node answers everyone), and says it is degraded.
        var ready = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using (var body = System.Text.Json.JsonDocument.Parse(await ready.Content.ReadAsStringAsync()))
        {
            Assert.Equal("degraded", body.RootElement.GetProperty("status").GetString());
        }

        await redis.RestartAsync();
        var restarted = System.Diagnostics.Stopwatch.StartNew();
        // Keep the traffic going until a verdict is stateful again: each request is the probe.
        OriginEvent latest;
        using (var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20)))
        {
            do
            {
                deadline.Token.ThrowIfCancellationRequested();
                latest = await ClickAsync();
                if (latest.Header("X-Bot-Degraded") is not null)
                {
                    await Task.Delay(20, deadline.Token); // a pause between probes, bounded by the deadline
                }
            }
            while (latest.Header("X-Bot-Degraded") is not null);
        }

        output.WriteLine($"stateful again {restarted.Elapsed.TotalMilliseconds:0} ms after Redis accepted connections again");
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz")).StatusCode);
        Assert.Equal(sent, host.Ledger.Events.Count); // every request reached the origin
    }
}
