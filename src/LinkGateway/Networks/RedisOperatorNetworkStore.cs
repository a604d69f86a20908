using LinkGateway.Memory;
using StackExchange.Redis;

namespace LinkGateway.Networks;

/// <summary>One hash (<c>lg:{ops}:networks</c>, field = CIDR, value = JSON entry) and one channel (<c>lg:ops:networks</c>) that says "reload".</summary>
public sealed class RedisOperatorNetworkStore(IConnectionMultiplexer redis, MemoryKeys keys) : IOperatorNetworkStore
{
    /// <summary>The runtime allow/deny networks (admin API), a hash without TTL: <c>lg:{ops}:networks</c>.</summary>
    private RedisKey Hash => $"{keys.Prefix}{{ops}}:networks";

    /// <summary>The channel on which a node announces a change of those lists: <c>lg:ops:networks</c>.</summary>
    private RedisChannel Channel => RedisChannel.Literal($"{keys.Prefix}ops:networks");

    public async Task<IReadOnlyList<OperatorNetwork>> ReadAllAsync(CancellationToken cancellationToken)
    {
        var entries = await redis.GetDatabase().HashValuesAsync(Hash).ConfigureAwait(false);
        return entries.Select(e => OperatorNetwork.Parse(e!)).ToList();
    }

    public async Task SetAsync(OperatorNetwork entry, CancellationToken cancellationToken)
    {
        await redis.GetDatabase().HashSetAsync(Hash, entry.Network, entry.Serialize()).ConfigureAwait(false);
        await redis.GetSubscriber().PublishAsync(Channel, entry.Network).ConfigureAwait(false);
    }

    public async Task<bool> RemoveAsync(string network, CancellationToken cancellationToken)
    {
        var removed = await redis.GetDatabase().HashDeleteAsync(Hash, network).ConfigureAwait(false);
        await redis.GetSubscriber().PublishAsync(Channel, network).ConfigureAwait(false);
        return removed;
    }

    public Task SubscribeAsync(Action changed, CancellationToken cancellationToken) =>
        redis.GetSubscriber().SubscribeAsync(Channel, (_, _) => changed());
}
