using System.Net;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace LinkGateway.Memory;

/// <summary>
/// The embedded store for one node and the demo, on <see cref="MemoryCache"/>: expiry and a size bound
/// come from the framework, and the clock is a <see cref="TimeProvider"/> so offline replays and tests
/// control time.
/// </summary>
public sealed class InProcessGatewayMemory : IGatewayMemory, IDisposable
{
    private readonly MemoryCache _cache;
    private readonly MemoryKeys _keys;
    private readonly TimeProvider _time;
    private readonly Lock _writeLock = new();

    public InProcessGatewayMemory(MemoryKeys keys, TimeProvider time, int maxEntries)
    {
        _keys = keys;
        _time = time;
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            Clock = new TimeProviderClock(time),
            SizeLimit = maxEntries,
            CompactionPercentage = 0.10,
        });
    }

    public string Name => "in-process";

    public ValueTask<MemoryRecall> ObserveAsync(MemoryObservation observation, CancellationToken cancellationToken)
    {
        if (observation.ClientAddress is null)
        {
            return ValueTask.FromResult(default(MemoryRecall));
        }

        var key = _keys.AddressTag(observation.ClientAddress);
        if (observation.NewTag is null)
        {
            return ValueTask.FromResult(new MemoryRecall(Get(key)?.Tag));
        }

        // Read-then-write is one step in Redis (a script); the lock makes it one step here too.
        lock (_writeLock)
        {
            var existing = Get(key)?.Tag;
            Set(key, observation.NewTag, observation.TagTtl);
            return ValueTask.FromResult(new MemoryRecall(existing));
        }
    }

    public ValueTask<TagLookup?> LookupTagAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var entry = Get(_keys.AddressTag(address));
        return ValueTask.FromResult(entry is null ? null : new TagLookup(entry.Tag, entry.ExpiresAt - _time.GetUtcNow()));
    }

    public ValueTask<bool> ForgetTagAsync(IPAddress address, CancellationToken cancellationToken)
    {
        var key = _keys.AddressTag(address);
        lock (_writeLock)
        {
            var existed = Get(key) is not null;
            _cache.Remove(key);
            return ValueTask.FromResult(existed);
        }
    }

    public ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var key = _keys.UsedNonce(nonce);
        lock (_writeLock)
        {
            if (_cache.TryGetValue(key, out _))
            {
                return ValueTask.FromResult(false);
            }

            _cache.Set(key, true, new MemoryCacheEntryOptions { AbsoluteExpiration = _time.GetUtcNow() + ttl, Size = 1 });
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(TimeSpan.Zero);

    public void Dispose() => _cache.Dispose();

    private Entry? Get(string key) => _cache.TryGetValue(key, out Entry? entry) && entry!.ExpiresAt > _time.GetUtcNow() ? entry : null;

    private void Set(string key, AddressTag tag, TimeSpan ttl)
    {
        var expiresAt = _time.GetUtcNow() + ttl;
        _cache.Set(key, new Entry(tag, expiresAt), new MemoryCacheEntryOptions { AbsoluteExpiration = expiresAt, Size = 1 });
    }

    private sealed record Entry(AddressTag Tag, DateTimeOffset ExpiresAt);

    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
