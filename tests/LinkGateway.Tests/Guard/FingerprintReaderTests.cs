using System.Net;
using LinkGateway.Infrastructure;
using LinkGateway.Links;
using StackExchange.Redis;

namespace LinkGateway.Guard;

[Collection(RedisCollection.Name)]
public sealed class FingerprintReaderTests(RedisFixture redis)
{
    [Theory]
    [InlineData("m-1", true)]
    [InlineData("a:b{c}%", true)]
    [InlineData(256, true)] // bytes of ASCII
    [InlineData(257, false)]
    [InlineData("é×128", true)] // 128 two-byte characters: 256 bytes
    [InlineData("é×129", false)] // 129 characters, but 258 bytes
    [InlineData("tab\there", false)]
    [InlineData("nul\0", false)]
    [InlineData("del\u007f", false)]
    public void Id_IsIdentityOnlyWhenBoundedAndPrintable(object id, bool kept)
    {
        var text = id switch
        {
            int bytes => new string('x', bytes),
            "é×128" => new string('é', 128),
            "é×129" => new string('é', 129),
            _ => (string)id,
        };

        var identity = IdentityProfile.Default.Read(LinkKind.Open, "/", name => name == "t" ? null : text);

        Assert.Equal(kept ? (text, text, text) : (null, null, null), (identity.MessageId, identity.RecipientId, identity.LinkId));
    }

    [Fact]
    public async Task OverlongId_IsForwardedAndJudged_ButNeverReachesTheStore()
    {
        var prefix = $"lg:long-id-{Guid.NewGuid():N}:";
        await using var host = await GatewayHost.StartAsync(redis.Server.Configuration, prefix);
        var message = new string('m', IdentityProfile.MaxIdBytes + 1);

        var response = await host.Client.SendAsync(Clients.Browser($"/c/{message}/r-1/l-1", Clients.NextAddress()));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        var seen = Assert.Single(host.Ledger.Events);
        Assert.Equal((message, "human"), (seen.MessageId, seen.Header("X-Bot-Verdict")));
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var keys = connection.GetServer(connection.GetEndPoints()[0]).Keys(pattern: prefix + "*").Select(k => k.ToString()).ToList();
        Assert.Contains(keys, k => k.Contains("{ip:", StringComparison.Ordinal)); // the request was observed ...
        Assert.DoesNotContain(keys, k => k.Contains(message[..32], StringComparison.Ordinal)); // ... without its message
    }
}
