using System.Net;
using LinkGateway.Infrastructure;
using LinkGateway.Interstitial;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>Two gateway nodes on a real three-master Redis Cluster: every script touches one slot, and all state is shared.</summary>
public sealed class RedisClusterTests(RedisCluster cluster) : IClassFixture<RedisCluster>
{
    [Fact]
    public async Task TwoNodesOnACluster_ShareTagsFoldBackAndPasses()
    {
        var prefix = $"lg:cluster-{Guid.NewGuid():N}:";
        var clock = ShieldClient.Clock();
        await using var nodeA = await GatewayHost.StartAsync(cluster.Configuration, prefix, time: clock);
        await using var nodeB = await GatewayHost.StartAsync(cluster.Configuration, prefix, signingKey: nodeA.SigningKey, time: clock);
        var address = Clients.NextAddress();

        // A burst seen by node A, the rest of it by node B.
        await nodeA.Client.SendAsync(Clients.Browser("/c/m-c/r-1/l-1", address));
        await nodeB.Client.SendAsync(Clients.Browser("/c/m-c/r-1/l-2", address));
        await nodeB.Log.WaitForAsync(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString() == "\"/c/m-c/r-1/l-2\"");
        await nodeA.Client.SendAsync(Clients.Browser("/c/m-c/r-2/l-1", address));

        Assert.Equal("human", Assert.Single(nodeA.Ledger.Events, e => e.LinkId == "l-1" && e.RecipientId == "r-1").Header("X-Bot-Verdict"));
        Assert.Contains("burst.links", Assert.Single(nodeB.Ledger.Events).Header("X-Bot-Reasons")!.Split(','));
        Assert.Contains("tag.ip", Assert.Single(nodeA.Ledger.Events, e => e.RecipientId == "r-2").Header("X-Bot-Reasons")!.Split(','));
        var foldBack = await nodeA.Memory.ReadFoldBackAsync(10, default);
        Assert.Contains(foldBack, e => e.Entity == $"ip:{address}"); // the burst's client, seen first by node A

        // The interstitial's pass: issued by A, accepted by B (Data Protection keys and nonces in the cluster).
        var person = Clients.NextAddress();
        var page = await (await nodeA.Client.SendAsync(Clients.Browser("/u/m-c/r-3", person))).Content.ReadAsStringAsync();
        clock.Advance(ShieldClient.ReadingTime);
        var posted = await nodeB.Client.SendAsync(ShieldClient.ClickPost("/u/m-c/r-3", person, ShieldClient.TokenIn(page)));
        Assert.Equal(HttpStatusCode.SeeOther, posted.StatusCode);

        // The keys really are spread over the masters.
        await using var admin = await ConnectionMultiplexer.ConnectAsync(cluster.Configuration + ",allowAdmin=true");
        var holders = admin.GetEndPoints().Count(endpoint => admin.GetServer(endpoint).Keys(pattern: prefix + "*").Any());
        Assert.True(holders >= 2, $"keys on {holders} master(s)");
    }

    // The store probe judges each master by its own answers (a late master that answers requests is busy, not stalled):
    // every answered script counts on its slot, and each master's slots hold its share.
    [Fact]
    public async Task AnswersAreCounted_PerMaster_BySlot()
    {
        await using var node = await GatewayHost.StartAsync(cluster.Configuration, $"lg:answers-{Guid.NewGuid():N}:");
        var answers = node.Services.GetRequiredService<StoreAnswers>();
        var before = answers.Count(null);
        for (var i = 0; i < 30; i++)
        {
            await node.Client.SendAsync(Clients.Browser($"/c/m-answers-{i}/r-{i}/l-1", Clients.NextAddress()));
        }

        var redis = node.Services.GetRequiredService<IConnectionMultiplexer>();
        var masters = redis.GetServer(redis.GetEndPoints()[0]).ClusterConfiguration!.Nodes.Where(n => !n.IsReplica && n.Slots.Count > 0).ToList();
        var byMaster = masters.Select(m => answers.Count(m.Slots)).ToList();
        Assert.Equal(3, masters.Count);
        Assert.All(byMaster, count => Assert.True(count > 0, $"a master with no answers counted: {string.Join(", ", byMaster)}"));
        Assert.Equal(answers.Count(null), byMaster.Sum());
        Assert.True(answers.Count(null) - before >= 30 * 5, $"{answers.Count(null) - before} answers for 30 clicks of five entities or more each");
    }
}
