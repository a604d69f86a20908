using System.Collections.Concurrent;

namespace LinkGateway.Memory;

/// <summary>
/// The in-process store's entities, bounded in bytes. A purpose-built table rather than a
/// <c>MemoryCache</c>, whose entries have a size fixed when they are added (ours grow and shrink with
/// every request), and whose get-or-create is not atomic (two first requests of one address made two
/// entities and lost a count; a pass was redeemed twice).
/// <list type="bullet">
/// <item>A change runs under the entity's lock, on the entity the dictionary holds: creating an entity
/// and changing it is one step, as a Redis script is. An evicted entity is marked under that lock, and
/// a change that finds it marked takes the fresh one instead, so no change is ever lost to eviction.</item>
/// <item>Each entity estimates its own bytes as it changes (<see cref="InProcessEntity"/>); the table
/// adds up the differences, so its total is always current and costs nothing to read.</item>
/// <item>Past 90 % of the bound, or once a minute of the store's clock, a thread-pool item compacts: it
/// drops the expired entities, then, while above 80 %, the least recently changed, single-use marks last.
/// A change that finds the total above the bound itself compacts before it returns, so the bound holds
/// even when changes outrun the background.</item>
/// </list>
/// </summary>
internal sealed class InProcessTable
{
    private static readonly TimeSpan _sweepEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, InProcessEntity> _entities = new(StringComparer.Ordinal);
    private readonly Lock _compaction = new();
    private readonly TimeProvider _time;
    private long _bytes;
    private long _nextSweep;
    private int _compactionQueued;

    public InProcessTable(long maxBytes, TimeProvider time)
    {
        MaxBytes = maxBytes;
        _time = time;
    }

    public long MaxBytes { get; }

    /// <summary>Estimated bytes of every entity held.</summary>
    public long Bytes => Interlocked.Read(ref _bytes);

    public int Count => _entities.Count;

    /// <summary>Runs <paramref name="change"/> on the entity of <paramref name="key"/>, created when missing, atomically.</summary>
    public TResult Change<TState, TResult>(string key, DateTimeOffset now, TState state, Func<InProcessEntity, TState, TResult> change) =>
        Run(key, now, state, change, create: true)!;

    /// <summary>Runs <paramref name="change"/> on the entity of <paramref name="key"/> when there is one; default otherwise.</summary>
    public TResult? ChangeExisting<TState, TResult>(string key, DateTimeOffset now, TState state, Func<InProcessEntity, TState, TResult> change) =>
        Run(key, now, state, change, create: false);

    public void Clear()
    {
        lock (_compaction)
        {
            foreach (var entity in _entities.Values)
            {
                Evict(entity);
            }
        }
    }

    private TResult? Run<TState, TResult>(string key, DateTimeOffset now, TState state, Func<InProcessEntity, TState, TResult> change, bool create)
    {
        while (true)
        {
            InProcessEntity? entity;
            if (create)
            {
                entity = _entities.GetOrAdd(key, static k => new InProcessEntity(k));
            }
            else if (!_entities.TryGetValue(key, out entity))
            {
                return default;
            }

            TResult result;
            long added;
            lock (entity.Gate)
            {
                if (entity.Removed)
                {
                    continue; // evicted between the lookup and the lock; the dictionary no longer holds it
                }

                entity.ForgetExpired(now);
                result = change(entity, state);
                entity.Touched(now);
                added = entity.Bytes - entity.Charged;
                entity.Charged = entity.Bytes;
            }

            AfterChange(Interlocked.Add(ref _bytes, added), now);
            return result;
        }
    }

    private void AfterChange(long bytes, DateTimeOffset now)
    {
        if (bytes > MaxBytes)
        {
            Compact(now); // the background fell behind: this change pays, and the bound holds
        }
        else if (bytes > MaxBytes / 10 * 9 || now.UtcTicks >= Volatile.Read(ref _nextSweep))
        {
            CompactInBackground();
        }
    }

    private void CompactInBackground()
    {
        if (Interlocked.CompareExchange(ref _compactionQueued, 1, 0) != 0)
        {
            return;
        }

        ThreadPool.UnsafeQueueUserWorkItem(static table =>
        {
            try
            {
                table.Compact(table._time.GetUtcNow());
            }
            finally
            {
                Volatile.Write(ref table._compactionQueued, 0);
            }
        }, this, preferLocal: false);
    }

    private void Compact(DateTimeOffset now)
    {
        lock (_compaction)
        {
            var target = MaxBytes / 10 * 8;
            if (Bytes <= target && now.UtcTicks < Volatile.Read(ref _nextSweep))
            {
                return; // a compaction that held the lock before this one did the work
            }

            Volatile.Write(ref _nextSweep, (now + _sweepEvery).UtcTicks);
            EvictExpired(now);
            if (Bytes <= target)
            {
                return;
            }

            // The clock may have moved on since this compaction read it: it waited for the lock or for a thread, or ran for a
            // request holding that request's time, while requests kept adding. Whatever has expired by now goes before anything
            // that is merely old (the oldest are often the tagged addresses worth keeping).
            if (_time.GetUtcNow() is var later && later > now)
            {
                EvictExpired(later);
                if (Bytes <= target)
                {
                    return;
                }
            }

            // Oldest first, single-use marks after everything else. The keys are copied first: requests
            // change the entities while they are sorted.
            var entities = _entities.Values.ToArray();
            var order = Array.ConvertAll(entities, static e => (e.SingleUse, e.LastUsed));
            Array.Sort(order, entities);
            foreach (var entity in entities)
            {
                if (Bytes <= target)
                {
                    break;
                }

                Evict(entity);
            }
        }
    }

    private void EvictExpired(DateTimeOffset now)
    {
        foreach (var (_, entity) in _entities) // enumerating takes no lock and copies nothing, unlike Values
        {
            if (entity.Expires <= now.UtcTicks)
            {
                Evict(entity, expiredBy: now.UtcTicks);
            }
        }
    }

    /// <param name="expiredBy">Only when it is still expired at these UTC ticks (a request may have just renewed it).</param>
    private void Evict(InProcessEntity entity, long expiredBy = long.MaxValue)
    {
        lock (entity.Gate)
        {
            if (entity.Removed || entity.Expires > expiredBy)
            {
                return;
            }

            entity.Removed = true;
            _entities.TryRemove(KeyValuePair.Create(entity.Key, entity));
            Interlocked.Add(ref _bytes, -entity.Charged);
        }
    }
}
