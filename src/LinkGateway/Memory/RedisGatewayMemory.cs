using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The shared store: one <see cref="IConnectionMultiplexer"/> per process, and per request one script
/// call that reads and writes in the same round trip. Scripts go by <see cref="LuaScript"/> (EVALSHA
/// with EVAL fallback), which works the same on a single server and on a cluster.
/// </summary>
public sealed class RedisGatewayMemory(IConnectionMultiplexer redis, MemoryKeys keys) : IGatewayMemory
{
    // GET the tag; when this request is itself a bot, SET it with its TTL. Returns the tag before.
    private static readonly LuaScript _observe = LuaScript.Prepare("""
        local before = redis.call('GET', @tagKey)
        if @newTag ~= '' then
          redis.call('SET', @tagKey, @newTag, 'PX', @ttlMs)
        end
        return before
        """);

    public string Name => "redis";

    public async ValueTask<MemoryRecall> ObserveAsync(MemoryObservation observation, CancellationToken cancellationToken)
    {
        if (observation.ClientAddress is null)
        {
            return default;
        }

        var result = await redis.GetDatabase().ScriptEvaluateAsync(_observe, new
        {
            tagKey = (RedisKey)keys.AddressTag(observation.ClientAddress),
            newTag = observation.NewTag?.Serialize() ?? string.Empty,
            ttlMs = (long)observation.TagTtl.TotalMilliseconds,
        }).ConfigureAwait(false);
        return new MemoryRecall(AddressTag.Parse(result.IsNull ? null : (string?)result));
    }

    public async ValueTask<TagLookup?> LookupTagAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var lease = await redis.GetDatabase().StringGetWithExpiryAsync(keys.AddressTag(address)).ConfigureAwait(false);
        return lease.Value.IsNull ? null : new TagLookup(AddressTag.Parse(lease.Value)!, lease.Expiry ?? TimeSpan.Zero);
    }

    public async ValueTask<bool> ForgetTagAsync(IPAddress address, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyDeleteAsync(keys.AddressTag(address)).ConfigureAwait(false);

    public async ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken) =>
        await redis.GetDatabase().StringSetAsync(keys.UsedNonce(nonce), 1, ttl, When.NotExists).ConfigureAwait(false);

    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await redis.GetDatabase().PingAsync().ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }
}
