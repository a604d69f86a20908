using LinkGateway.Infrastructure;

namespace LinkGateway.Memory;

[Collection(RedisCollection.Name)]
public sealed class SharedMemoryTests(RedisFixture redis)
{
    [Fact]
    public async Task AddressTaggedThroughOneNode_IsRememberedByAnother()
    {
        var prefix = $"lg:shared-{Guid.NewGuid():N}:";
        await using var nodeA = await GatewayHost.StartAsync(redis.Server.Configuration, prefix);
        await using var nodeB = await GatewayHost.StartAsync(redis.Server.Configuration, prefix);
        var address = Clients.NextAddress();

        await nodeA.Client.SendAsync(Clients.Bare("/c/m-9/r-scan/l-1", address, "Go-http-client/1.1"));
        await nodeB.Client.SendAsync(Clients.Bare("/c/m-9/r-again/l-1", address, "python-requests/2.32.3")); // automation of its own: the tag counts

        var seen = Assert.Single(nodeB.Ledger.Events, e => e.RecipientId == "r-again");
        Assert.Contains("tag.ip", seen.Header("X-Bot-Reasons")!.Split(','));
    }

    [Fact]
    public async Task NodesWithOtherPrefixes_DoNotShareTags()
    {
        await using var nodeA = await GatewayHost.StartAsync(redis.Server.Configuration);
        await using var nodeB = await GatewayHost.StartAsync(redis.Server.Configuration);
        var address = Clients.NextAddress();

        await nodeA.Client.SendAsync(Clients.Bare("/c/m-9/r-scan/l-1", address, "Go-http-client/1.1"));
        await nodeB.Client.SendAsync(Clients.Bare("/c/m-9/r-again/l-1", address, Clients.ChromeUserAgent));

        Assert.DoesNotContain("tag.ip", Assert.Single(nodeB.Ledger.Events).Header("X-Bot-Reasons")!.Split(','));
    }
}
