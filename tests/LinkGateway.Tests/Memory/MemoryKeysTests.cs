using LinkGateway.Infrastructure;

namespace LinkGateway.Memory;

[Collection(RedisCollection.Name)]
public sealed class MemoryKeysTests(RedisFixture redis)
{
    [Theory]
    [InlineData("m-1", "r-1", "m:m-1:r-1")]
    [InlineData("a:b", "c", "m:a%3Ab:c")]
    [InlineData("a", "b:c", "m:a:b%3Ac")]
    [InlineData("100%", "{r}", "m:100%25:%7Br%7D")]
    [InlineData("Ünïcødé", "r 1/2", "m:Ünïcødé:r 1/2")]
    public void MessageEntity_EscapesTheSeparatorThePercentAndTheBraces_AndNothingElse(string message, string recipient, string entity) =>
        Assert.Equal(entity, MemoryKeys.MessageEntity(message, recipient));

    [Fact]
    public void IdWithNothingToEscape_IsItsOwnName_WithoutACopy()
    {
        var id = $"m-{Guid.NewGuid():N}";

        Assert.Same(id, MemoryKeys.EscapeId(id));
    }

    /// <summary>
    /// Issue 10, item 8: ids holding the separator made two (message, recipient) pairs one entity, so a
    /// honeypot hit on /h/a:b/c marked /c/a/b:c/l1, and two people's clicks made one burst.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task ClicksOfTwoIdPairsSpelledWithTheSameColons_AreNoBurst(bool onRedis)
    {
        await using var host = await GatewayHost.StartAsync(onRedis ? redis.Server.Configuration : null);
        var message = $"m-{Guid.NewGuid():N}";
        var address = Clients.NextAddress(); // one client: two links of one recipient's message within 3 s would be a burst

        await host.Client.SendAsync(Clients.Browser($"/c/{message}:b/c/l1", address));
        await host.Client.SendAsync(Clients.Browser($"/c/{message}/b:c/l2", address));

        Assert.All(host.Ledger.Events, click => Assert.Equal(("human", ""), (click.Header("X-Bot-Verdict"), click.Header("X-Bot-Reasons"))));
        Assert.Equal(["c", "b:c"], host.Ledger.Events.Select(e => e.RecipientId));
    }
}
