using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

[Collection(RedisCollection.Name)]
public sealed class HealthTests(RedisFixture redis)
{
    [Fact]
    public async Task WithRedisUp_LiveAndReady()
    {
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task InProcessStore_LiveAndReady()
    {
        await using var host = await GatewayHost.StartAsync();

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/readyz")).StatusCode);
    }

    [Fact]
    public async Task WithAPasswordRedisRefuses_ReadyAndDegraded_NamingTheRefusal()
    {
        await using var guarded = await RedisServer.StartAsync(local: true, extraArgs: ["--requirepass", "the-right-one"]);
        await using var host = await GatewayHost.StartAsync($"{guarded.Configuration},password=a-wrong-one,connectTimeout=500",
            settings: new Dictionary<string, string?> { ["LinkGateway:Redis:WaitAtStart"] = "1s" }, waitUntilWarm: false);
        await host.Services.GetRequiredService<GatewayWarmUp>().Warm.WaitAsync(TimeSpan.FromSeconds(30));

        // "Reconnecting" would send an operator to look at the network: the probe, which connects as the gateway does, says why.
        var ready = await ReadyzAnswer.WaitAsync(host.Client, r => r.Code == HttpStatusCode.OK && r.StoreDescription?.Contains("WRONGPASS", StringComparison.Ordinal) == true,
            "WRONGPASS, once warm");

        Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), (ready.Code, ready.Status, ready.Store.GetProperty("status").GetString()));
        Assert.DoesNotContain("a-wrong-one", ready.Body.GetRawText(), StringComparison.Ordinal);
        Assert.DoesNotContain(host.Log.Events, e => $"{e.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)} {e.Exception}".Contains("a-wrong-one", StringComparison.Ordinal));
    }

    /// <summary>
    /// A failover can leave the address the gateway knows on a replica (the old master, rejoined). It answers the probe's
    /// "return 1" and refuses every script: every verdict went stateless while /readyz said healthy.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the gateway's user may not run INFO (ACL "-info"): a script that may write tells instead
    public async Task WhenItsRedisBecomesAReplica_ReadyAndDegraded_NamingIt_UntilItIsAMasterAgain(bool infoRefused)
    {
        await using var master = await RedisServer.StartAsync(local: true);
        await using var other = await RedisServer.StartAsync(local: true);
        await using var admin = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{master.Configuration},allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        if (infoRefused)
        {
            await server.ExecuteAsync("ACL", "SETUSER", "default", "-info");
        }

        await using var host = await GatewayHost.StartAsync(master.Configuration);

        await server.ExecuteAsync("REPLICAOF", "127.0.0.1", other.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var replica = await ReadyzAnswer.WaitAsync(host.Client, r => r.StoreDescription?.Contains("is a read-only replica", StringComparison.Ordinal) == true,
            "the store a replica");
        await server.ExecuteAsync("REPLICAOF", "NO", "ONE");
        var again = await ReadyzAnswer.WaitAsync(host.Client, r => r.Status == "healthy", "healthy again");

        Assert.Equal((HttpStatusCode.OK, "degraded"), (replica.Code, replica.Status));
        Assert.Equal(HttpStatusCode.OK, again.Code);
    }

    [Fact]
    public async Task WithRedisUnreachable_WaitsForItAtStart_ThenReadyAndDegraded_AndRequestsStillPass()
    {
        var deadPort = RedisServer.FreeLoopbackPort();
        await using var host = await GatewayHost.StartAsync($"127.0.0.1:{deadPort},connectTimeout=300", settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Redis:Budget"] = "00:00:00.200",
            ["LinkGateway:Redis:WaitAtStart"] = "2s",
        }, waitUntilWarm: false);

        Assert.Equal(HttpStatusCode.OK, (await host.Client.GetAsync("/healthz")).StatusCode);
        // While the node waits for its store it is not ready: a balancer sends no one to a node that may yet be stateful.
        var warming = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, warming.StatusCode);
        Assert.Contains("warming up", await warming.Content.ReadAsStringAsync());

        // Then it is ready without its store: every node shares the store, so taking nodes out for it would take the links down.
        await host.Services.GetRequiredService<GatewayWarmUp>().Warm.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Contains(host.Log.Events, e => e.MessageTemplate.Text.StartsWith("Warm without the store", StringComparison.Ordinal));
        var ready = await ReadyzAnswer.GetAsync(host.Client);
        Assert.Equal((HttpStatusCode.OK, "degraded", "degraded"), (ready.Code, ready.Status, ready.Store.GetProperty("status").GetString()));
        Assert.Contains("verdicts are stateless", ready.StoreDescription);
        Assert.Empty(ready.Body.GetProperty("warnings").EnumerateArray());

        var response = await host.Client.SendAsync(Clients.Bare("/c/m-1/r-degraded/l-1", Clients.NextAddress(), "curl/8.5.0"));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var seen = Assert.Single(host.Ledger.Events);
        Assert.Equal(("store-unavailable", "bot"), (seen.Header("X-Bot-Degraded"), seen.Header("X-Bot-Verdict")));
        Assert.True(seen.SignatureValid);

        // Readiness shows the store's state and what it cost: the circuit, and stateless verdicts per minute.
        var after = await ReadyzAnswer.GetAsync(host.Client);
        var data = after.Store.GetProperty("data");
        Assert.Equal("open", data.GetProperty("circuit").GetString());
        Assert.True(data.GetProperty("timesOpened").GetInt64() >= 1); // by a failed round trip or by the probe, whichever came first
        Assert.True(data.TryGetProperty("budgetExceeded", out _));
        var thisMinute = after.Body.GetProperty("degradedPerMinute").EnumerateArray().Last();
        Assert.Equal((1, 1), (thisMinute.GetProperty("verdicts").GetInt32(), thisMinute.GetProperty("degraded").GetInt32()));

        // An internet client (through a trusted proxy) learns the status only: not where the store is, nor when verdicts are stateless.
        var fromInternet = new HttpRequestMessage(HttpMethod.Get, "/readyz");
        fromInternet.Headers.Add("X-Forwarded-For", Clients.NextAddress());
        var publicBody = await (await host.Client.SendAsync(fromInternet)).Content.ReadAsStringAsync();
        Assert.Equal("{\"status\":\"degraded\"}", publicBody);
    }
}
