using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Memory;

/// <summary>A master of a real Redis Cluster dies under traffic: its replica takes over, no request fails, and verdicts are stateful again.</summary>
public sealed class RedisClusterFailoverTests
{
    [Fact]
    public async Task MasterKilled_ReplicaPromoted_GatewayKeepsAnsweringAndRecovers()
    {
        await using var cluster = new RedisCluster(replicasPerMaster: 1);
        await cluster.InitializeAsync();
        await using var host = await GatewayHost.StartAsync(cluster.Configuration + ",connectTimeout=1000", settings: new Dictionary<string, string?>
        {
            ["LinkGateway:Redis:Budget"] = "00:00:00.500",
        });
        var sent = 0;
        var degraded = 0;

        async Task<bool> ClickIsStatefulAsync()
        {
            var response = await host.Client.SendAsync(Clients.Browser($"/c/m-failover/r-{sent++}/l-1", Clients.NextAddress()));
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode); // never fails because of Redis
            var stateful = host.Ledger.Events[^1].Header("X-Bot-Degraded") is null;
            degraded += stateful ? 0 : 1;
            return stateful;
        }

        await ClickIsStatefulAsync(); // loads the scripts on every master
        for (var i = 0; i < 10; i++)
        {
            Assert.True(await ClickIsStatefulAsync());
        }

        var master = cluster.Nodes[0];
        master.Kill();
        // Traffic goes on during the failover (about the cluster node timeout, 2 s, plus the election).
        var failover = RedisCluster.WaitForFailoverAsync(cluster.Nodes[1], master, TimeSpan.FromSeconds(30));
        while (!failover.IsCompleted)
        {
            await ClickIsStatefulAsync();
        }

        await failover;
        // After the promotion the multiplexer finds the new master (MOVED / reconfiguration); ten stateful clicks in a row.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var inARow = 0;
        while (inARow < 10)
        {
            deadline.Token.ThrowIfCancellationRequested();
            inARow = await ClickIsStatefulAsync() ? inARow + 1 : 0;
        }

        Assert.True(degraded > 0, "some requests were answered statelessly while a third of the slots had no master");
        Assert.Equal(sent, host.Ledger.Events.Count); // every request reached the origin
    }
}
