using System.Net;
using LinkGateway.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// One suite, every store: the in-process store and Redis must behave the same, because a single
/// node and a cluster of nodes must give the same verdicts.
/// </summary>
public abstract class GatewayMemoryConformance
{
    private static readonly TimeSpan _ttl = TimeSpan.FromHours(24);

    protected abstract IGatewayMemory Memory { get; }

    protected abstract DateTimeOffset Now { get; }

    [Fact]
    public async Task UnknownAddress_RecallsNothing()
    {
        var recall = await Memory.ObserveAsync(new MemoryObservation(Address(), null, _ttl), default);

        Assert.Null(recall.ExistingTag);
    }

    [Fact]
    public async Task Tag_IsRecalledByTheNextRequest_NotByTheOneThatSetIt()
    {
        var address = Address();
        var tag = new AddressTag(94, "ua.library,hdr.accept-any", Now);

        var first = await Memory.ObserveAsync(new MemoryObservation(address, tag, _ttl), default);
        var second = await Memory.ObserveAsync(new MemoryObservation(address, null, _ttl), default);

        Assert.Null(first.ExistingTag);
        Assert.Equal(tag with { TaggedAt = DateTimeOffset.FromUnixTimeSeconds(Now.ToUnixTimeSeconds()) }, second.ExistingTag);
    }

    [Fact]
    public async Task Lookup_ShowsTheTagAndItsRemainingTime()
    {
        var address = Address();
        await Memory.ObserveAsync(new MemoryObservation(address, new AddressTag(90, "net.vendor", Now), _ttl), default);

        var lookup = await Memory.LookupTagAsync(address, default);

        Assert.NotNull(lookup);
        Assert.Equal("net.vendor", lookup.Tag.Reasons);
        Assert.InRange(lookup.TimeToLive, _ttl - TimeSpan.FromMinutes(1), _ttl);
    }

    [Fact]
    public async Task Forget_RemovesTheTag()
    {
        var address = Address();
        await Memory.ObserveAsync(new MemoryObservation(address, new AddressTag(90, "net.vendor", Now), _ttl), default);

        Assert.True(await Memory.ForgetTagAsync(address, default));
        Assert.False(await Memory.ForgetTagAsync(address, default));
        Assert.Null((await Memory.ObserveAsync(new MemoryObservation(address, null, _ttl), default)).ExistingTag);
    }

    [Fact]
    public async Task IPv4MappedIPv6_IsTheSameClientAsIPv4()
    {
        var address = Address();
        await Memory.ObserveAsync(new MemoryObservation(address.MapToIPv6(), new AddressTag(90, "ua.library", Now), _ttl), default);

        Assert.NotNull((await Memory.ObserveAsync(new MemoryObservation(address, null, _ttl), default)).ExistingTag);
    }

    [Fact]
    public async Task NoAddress_IsANoOp()
    {
        var recall = await Memory.ObserveAsync(new MemoryObservation(null, new AddressTag(90, "ua.library", Now), _ttl), default);

        Assert.Null(recall.ExistingTag);
    }

    [Fact]
    public async Task Ping_Answers()
    {
        Assert.True(await Memory.PingAsync(default) >= TimeSpan.Zero);
    }

    private static IPAddress Address() => IPAddress.Parse(Clients.NextAddress());
}

public sealed class InProcessGatewayMemoryTests : GatewayMemoryConformance, IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly InProcessGatewayMemory _memory;

    public InProcessGatewayMemoryTests() => _memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), _time, maxEntries: 10_000);

    protected override IGatewayMemory Memory => _memory;

    protected override DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public async Task Tag_ExpiresAfterItsTtl()
    {
        var address = IPAddress.Parse("192.0.2.55");
        await _memory.ObserveAsync(new MemoryObservation(address, new AddressTag(90, "ua.library", Now), TimeSpan.FromMinutes(10)), default);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull(await _memory.LookupTagAsync(address, default));
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null(await _memory.LookupTagAsync(address, default));
    }

    public void Dispose() => _memory.Dispose();
}

[Collection(RedisCollection.Name)]
public sealed class RedisGatewayMemoryTests : GatewayMemoryConformance, IAsyncLifetime
{
    private readonly RedisFixture _redis;
    private readonly string _prefix = $"lg:conformance-{Guid.NewGuid():N}:";
    private ConnectionMultiplexer _connection = null!;
    private RedisGatewayMemory _memory = null!;

    public RedisGatewayMemoryTests(RedisFixture redis) => _redis = redis;

    protected override IGatewayMemory Memory => _memory;

    protected override DateTimeOffset Now => DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Server.Configuration + ",allowAdmin=true");
        _memory = new RedisGatewayMemory(_connection, new MemoryKeys(_prefix));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task EveryKey_IsNamespacedHashTaggedAndExpires()
    {
        await _memory.ObserveAsync(new MemoryObservation(IPAddress.Parse("192.0.2.77"), new AddressTag(90, "ua.library", Now), TimeSpan.FromHours(1)), default);
        await _memory.ObserveAsync(new MemoryObservation(IPAddress.Parse("2001:db8::77"), new AddressTag(90, "ua.library", Now), TimeSpan.FromHours(1)), default);

        var server = _connection.GetServer(_connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: _prefix + "*").ToList();
        Assert.Equal(2, keys.Count);
        foreach (var key in keys)
        {
            Assert.Matches(@"^lg:conformance-[0-9a-f]+:\{ip:[0-9a-f.:]+\}:tag$", key.ToString());
            var ttl = await _connection.GetDatabase().KeyTimeToLiveAsync(key);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromMinutes(59), TimeSpan.FromHours(1));
        }
    }
}
