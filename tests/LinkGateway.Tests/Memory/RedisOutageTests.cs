using System.Net;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;

namespace LinkGateway.Memory;

/// <summary>Redis killed and restarted in the middle of traffic: no request fails, verdicts go stateless and come back.</summary>
public sealed class RedisOutageTests(Xunit.Abstractions.ITestOutputHelper output)
{
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
