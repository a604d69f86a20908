using System.Globalization;
using System.Net;
using LinkGateway.Infrastructure;
using LinkGateway.Signals;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>What a request costs in Redis, counted by the server (INFO commandstats) and on the wire (a counting relay).</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisCostTests(RedisFixture redis)
{
    private const int Requests = 40;

    // A batch the multiplexer happens to write in two pieces, with Redis answering the first in between.
    private const int AllowedSplits = Requests / 10;

    [Fact]
    public async Task PersonsClick_OnAStandaloneRedis_CostsOneRoundTripOfOneScript()
    {
        await using var relay = new RedisRelay(redis.Server.Configuration);
        // The store probe runs EVAL "return 1" on its own schedule; seldom here, and counted, so its calls are told apart.
        await using var host = await GatewayHost.StartAsync(relay.Configuration, settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Redis:ProbeInterval"] = "10s",
        });
        var circuit = host.Services.GetRequiredService<StoreCircuit>();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await host.Client.SendAsync(Clients.Browser("/c/m-warm/r-warm/l-1", Clients.NextAddress())); // loads the scripts

        var probesBefore = circuit.State().Probes;
        var callsBefore = await CommandCallsAsync(server);
        var roundTripsBefore = relay.ScriptRoundTrips;
        for (var i = 0; i < Requests; i++)
        {
            var response = await host.Client.SendAsync(Clients.Browser($"/c/m-cost/r-{i}/l-1", Clients.NextAddress()));
            Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        }

        var roundTrips = relay.ScriptRoundTrips - roundTripsBefore;
        var calls = (await CommandCallsAsync(server)).Select(c => (c.Key, Calls: c.Value - callsBefore.GetValueOrDefault(c.Key))).Where(c => c.Calls > 0).ToDictionary();
        var probes = circuit.State().Probes - probesBefore;

        // Address, prefix, message/recipient, message/client and client shape: one script for all of them on a standalone
        // Redis (a cluster runs one per entity: RedisClusterTests). commandstats also counts the commands the scripts run
        // inside Redis, so only the script calls are compared.
        Assert.Equal(Requests, calls.GetValueOrDefault("evalsha"));
        Assert.Equal(probes, calls.GetValueOrDefault("eval")); // the probe's only: no script had to be sent again
        // Every request is one round trip.
        Assert.Equal(Requests, roundTrips);
    }

    [Fact]
    public async Task AListedServerThatIsDown_NeitherMakesVerdictsStateless_NorKeepsTheOneScriptPathAway()
    {
        // A configuration naming a replica as well, the replica down (nothing listens on a fresh loopback port): the primary
        // answers, so requests keep their memory, one script each.
        var configuration = $"{redis.Server.Configuration},127.0.0.1:{RedisServer.FreeLoopbackPort()}";
        await using var host = await GatewayHost.StartAsync(configuration, settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Redis:ProbeInterval"] = "10s",
        });
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        await host.Client.SendAsync(Clients.Browser("/c/m-warm/r-warm/l-1", Clients.NextAddress()));

        var before = await CommandCallsAsync(server);
        for (var i = 0; i < Requests; i++)
        {
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await host.Client.SendAsync(Clients.Browser($"/c/m-down/r-{i}/l-1", Clients.NextAddress()))).StatusCode);
        }

        var after = await CommandCallsAsync(server);
        Assert.Equal(Requests, after.GetValueOrDefault("evalsha") - before.GetValueOrDefault("evalsha")); // one script each, not five
        Assert.All(host.Ledger.Events, e => Assert.Null(e.Header("X-Bot-Degraded")));
    }

    [Fact]
    public async Task ScannerThatIsAlreadyABot_TagsInTheSameRoundTrip()
    {
        await using var relay = new RedisRelay(redis.Server.Configuration);
        await using var host = await GatewayHost.StartAsync(relay.Configuration);
        await host.Client.SendAsync(Clients.Bare("/c/m-warm/r-warm/l-1", Clients.NextAddress(), "curl/8.5.0"));

        var before = relay.ScriptRoundTrips;
        for (var i = 0; i < Requests; i++)
        {
            // A fresh address each time: its first request tags it, in the same round trip as the recall.
            await host.Client.SendAsync(Clients.Bare($"/c/m-scan/r-{i}/l-1", Clients.NextAddress(), "curl/8.5.0"));
        }

        Assert.InRange(relay.ScriptRoundTrips - before, Requests, Requests + AllowedSplits);
    }

    [Fact]
    public async Task AServerThatForgotTheScripts_IsSentTheTextOnce_AndTheClickKeepsItsMemory()
    {
        // The gateway sends scripts by digest; a restarted or flushed server answers NOSCRIPT, and that call goes again as EVAL.
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration, settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Redis:ProbeInterval"] = "10s",
        });
        var circuit = host.Services.GetRequiredService<StoreCircuit>();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        var server = admin.GetServer(admin.GetEndPoints()[0]);
        var address = Clients.NextAddress();
        await host.Client.SendAsync(Clients.Browser("/c/m-flush/r-1/l-1", address));
        await server.ScriptFlushAsync();

        var (probes0, calls0) = (circuit.State().Probes, await CommandCallsAsync(server));
        var afterFlush = await host.Client.SendAsync(Clients.Browser("/c/m-flush/r-2/l-1", address));
        var (probes1, calls1) = (circuit.State().Probes, await CommandCallsAsync(server));
        var next = await host.Client.SendAsync(Clients.Browser("/c/m-flush/r-3/l-1", address));
        var (probes2, calls2) = (circuit.State().Probes, await CommandCallsAsync(server));

        Assert.Equal((System.Net.HttpStatusCode.Redirect, System.Net.HttpStatusCode.Redirect), (afterFlush.StatusCode, next.StatusCode));
        Assert.All(host.Ledger.Events, e => Assert.Null(e.Header("X-Bot-Degraded"))); // remembered throughout, never stateless
        // The probe runs EVAL "return 1" on its own schedule: its calls are told apart.
        Assert.Equal(1, calls1.GetValueOrDefault("eval") - calls0.GetValueOrDefault("eval") - (probes1 - probes0)); // the text, once
        Assert.Equal(0, calls2.GetValueOrDefault("eval") - calls1.GetValueOrDefault("eval") - (probes2 - probes1)); // then the digest again
        Assert.Equal(1, calls2.GetValueOrDefault("evalsha") - calls1.GetValueOrDefault("evalsha"));
        Assert.Equal(0, calls2.GetValueOrDefault("script|load") - calls0.GetValueOrDefault("script|load")); // the text went once, as that EVAL
    }

    /// <summary>
    /// A client with no fan-out set at an address looks for its recipient only in the entry that can carry one, the list's
    /// oldest: a client that sends a new User-Agent with every request at a busy address (a new client each time) must not
    /// make Redis read the whole recent list each time (up to Behaviour:FoldBackMaxEntries, 10,000, entries: 7 ms a request
    /// when the review of 2026-11-29 found it).
    /// </summary>
    [Fact]
    public async Task ANewClientAtAFullAddress_ReadsOneRecentEntry_NotTheList()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration + ",allowAdmin=true");
        var server = connection.GetServer(connection.GetEndPoints()[0]);
        var memory = new RedisGatewayMemory(connection, new MemoryKeys($"lg:cost-{Guid.NewGuid():N}:"));
        var address = IPAddress.Parse(Clients.NextAddress());
        var behaviour = BehaviourOptions.Default with { FoldBackMaxEntries = 500 };
        MemoryObservation Click(string client, int i) => Observations.Click(DateTimeOffset.UtcNow, address, "m-full", $"r-{i}", "l-1", client: client, behaviour: behaviour);
        for (var i = 0; i < behaviour.FoldBackMaxEntries; i++)
        {
            await memory.ObserveAsync(Click("filler", i), default);
        }

        var before = await CommandCallsAsync(server);
        for (var i = 0; i < Requests; i++)
        {
            Assert.Equal(1, (await memory.ObserveAsync(Click($"new-{i}", i), default)).Facts.AddressRecipients);
        }

        var after = await CommandCallsAsync(server);
        Assert.Equal(0, after.GetValueOrDefault("lrange") - before.GetValueOrDefault("lrange"));
        Assert.Equal(Requests, after.GetValueOrDefault("lindex") - before.GetValueOrDefault("lindex"));
    }

    private static async Task<Dictionary<string, long>> CommandCallsAsync(IServer server)
    {
        var stats = await server.InfoAsync("commandstats");
        return stats.SelectMany(g => g)
            .ToDictionary(
                kv => kv.Key.Replace("cmdstat_", "", StringComparison.Ordinal),
                kv => long.Parse(kv.Value.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture));
    }
}
