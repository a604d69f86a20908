
namespace LinkGateway.Memory;

/// <summary>
/// The embedded store for one node and the demo. It carries out the same <see cref="StorePlan"/> as the Redis store,
/// step for step (each step below reads as its Lua twin), on a clock that is a <see cref="TimeProvider"/>, so offline
/// replays and tests control time. Each Redis key group is one entity of an <see cref="InProcessTable"/>; an address's
/// tag and recent list share one entity, as one script changes them together. Bounded in bytes
/// (<c>LinkGateway:Memory:InProcessMaxBytes</c>): seven eighths for the entities (expired first, then least recently
/// used), one eighth for the fold-back events (oldest first). An entity the store could not keep simply starts empty, as
/// after an expiry.
/// </summary>
public sealed class InProcessGatewayMemory : IGatewayMemory, IDisposable
{

    private readonly InProcessTable _table;
    private readonly FoldBackRing _foldBack;
    private readonly MemoryKeys _keys;
    private readonly TimeProvider _time;

    public InProcessGatewayMemory(MemoryKeys keys, TimeProvider time, long maxBytes)
    {
        _keys = keys;
        _time = time;
        MaxBytes = maxBytes;
        _foldBack = new FoldBackRing(maxBytes / 8);
        _table = new InProcessTable(maxBytes - (maxBytes / 8), time);
    }

    public string Name => "in-process";

    public long MaxBytes { get; }

    /// <summary>Estimated bytes held, entities and fold-back events: at most <see cref="MaxBytes"/> once a change has returned.</summary>
    public long Bytes => _table.Bytes + _foldBack.Bytes;

    public int EntityCount => _table.Count;

    public ValueTask<MemoryRecall> ObserveAsync(MemoryObservation o, CancellationToken cancellationToken)
    {
        var plan = StorePlan.Observe(o, _keys);
        return ValueTask.FromResult(plan.Recall(Execute(plan)));
    }

    public ValueTask<IReadOnlyList<FoldBackEvent>> RememberAsync(MemoryRemember r, CancellationToken cancellationToken)
    {
        var plan = StorePlan.Remember(r, _keys);
        var events = r.FoldBack.Concat(plan.FoldBack(Execute(plan).Taken, r.Tag.Reasons)).ToList();
        foreach (var e in events)
        {
            _foldBack.Add(e);
        }

        return ValueTask.FromResult<IReadOnlyList<FoldBackEvent>>(events);
    }

    public ValueTask<IReadOnlyList<FoldBackEvent>> ReadFoldBackAsync(int count, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_foldBack.Newest(count));

    /// <summary>
    /// The fold-back events written after <paramref name="sequence"/> (each event's number counts from 1 in the order
    /// written), oldest first, at most <paramref name="count"/>: a reader that keeps the last number it saw reads each event
    /// once, and learns from a gap in the numbers that the bound dropped some before it read them.
    /// </summary>
    public IReadOnlyList<(long Sequence, FoldBackEvent Event)> FoldBackAfter(long sequence, int count) => _foldBack.After(sequence, count);

    /// <summary>How many fold-back events are held after <paramref name="sequence"/>: the count of <see cref="FoldBackAfter"/>, without copying them.</summary>
    public long FoldBackCountAfter(long sequence) => _foldBack.CountAfter(sequence);

    public ValueTask<EntityLookup> LookupAsync(string entity, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return ValueTask.FromResult(_table.ChangeExisting(_keys.Entity(entity) + ":tag", now, now, static (e, now) => new EntityLookup(e.Tag(now), e.TagTimeToLive(now), e.Recent))
                                    ?? new EntityLookup(null, TimeSpan.Zero, []));
    }

    public ValueTask<bool> ForgetTagAsync(string entity, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return ValueTask.FromResult(_table.ChangeExisting(_keys.Entity(entity) + ":tag", now, now, static (e, now) => e.ForgetTag(now)));
    }

    /// <summary>SET NX PX, atomic as in Redis: the mark is made under its entity's lock, on the one entity the table holds.</summary>
    public ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return ValueTask.FromResult(_table.Change(_keys.UsedNonce(nonce), now, (now, ttl), static (e, s) => e.TryMark(s.now, s.ttl)));
    }

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(TimeSpan.Zero);

    public void Dispose() => _table.Clear();

    /// <summary>Carries out a plan's steps, each on its own entity, atomically as its Redis script would.</summary>
    private StepResults Execute(StorePlan plan)
    {
        var now = plan.Observation.Now;
        (AddressTag? Before, IReadOnlyList<RecentRequest> Taken) address = (null, []);
        var addressFanout = 0;
        if (plan.Address is { } a)
        {
            address = _table.Change(a.TagKey, now, (a, now), static (e, s) => AddressScript(e, s.a, s.now));
            addressFanout = Count(a.Fanout, now);
        }

        var shapeTagged = false;
        var shapeFanout = 0;
        if (plan.Shape is { } shape)
        {
            shapeTagged = Tag(shape.TagKey, shape.NewTag, shape.TagTtl, now) is not null;
            shapeFanout = Count(shape.Fanout, now);
        }

        var networkTagged = plan.Network is { } network && Tag(network.TagKey, network.NewTag, network.TagTtl, now) is not null;
        var (links, near) = plan.Message is { } message ? (Count(message.Links, now), Honeypot(message, now)) : (0, false);
        DateTimeOffset? firstSeen = plan.Seen is { } seen ? _table.Change(seen.Key, now, (now, seen.Ttl), static (e, s) => e.StampOnce(s.now, s.Ttl)) : null;
        return new StepResults(address.Before, addressFanout, address.Taken, shapeTagged, shapeFanout, networkTagged, links, near, Count(plan.Domain, now),
            firstSeen);
    }

    /// <summary>The address script: the tag before, set once; the tagging client's recent requests handed back, or this one kept.</summary>
    private static (AddressTag? Before, IReadOnlyList<RecentRequest> Taken) AddressScript(InProcessEntity e, AddressStep a, DateTimeOffset now)
    {
        var before = e.Tag(now);
        IReadOnlyList<RecentRequest> taken = [];
        if (a.NewTag is not null)
        {
            if (e.SetTagOnce(a.NewTag, now, a.TagTtl))
            {
                taken = e.TakeRecentOf(a.Client);
            }
        }
        else if (a.Entry is not null)
        {
            e.PushRecent(a.Entry, now, a.RecentWindow, a.RecentMax);
        }

        return (before, taken);
    }

    /// <summary>A window set (ZADD, drop what left the window and past the cap, ZCARD); 0 when there is none to count.</summary>
    private int Count(WindowCount? window, DateTimeOffset now) => window is { } w
        ? _table.Change(w.Key, now, (w, now), static (e, s) => e.AddMember(s.w.Member, s.now, s.w.Window, s.w.Cap))
        : 0;

    /// <summary>A tag: GET, then SET NX PX when there is a new one. Reading alone creates nothing, as GET does not.</summary>
    private AddressTag? Tag(string key, AddressTag? newTag, TimeSpan ttl, DateTimeOffset now) => newTag is null
        ? _table.ChangeExisting(key, now, now, static (e, now) => e.Tag(now))
        : _table.Change(key, now, (newTag, ttl, now), static (e, s) =>
        {
            var before = e.Tag(s.now);
            e.SetTagOnce(s.newTag, s.now, s.ttl);
            return before;
        });

    /// <summary>The honeypot mark: set on a hit, and whether a hit fell within the window.</summary>
    private bool Honeypot(MessageStep m, DateTimeOffset now) => m.Hit
        ? _table.Change(m.HoneyKey, now, (m, now), static (e, s) =>
        {
            e.MarkHoneypot(s.now, s.m.HoneyWindow);
            return true;
        })
        : _table.ChangeExisting(m.HoneyKey, now, (m, now), static (e, s) => e.NearHoneypot(s.now, s.m.HoneyWindow));

    /// <summary>The fold-back events, oldest first: as many as the Redis stream keeps, and at most its share of the byte bound.</summary>
    private sealed class FoldBackRing(long maxBytes)
    {
        private readonly Queue<(FoldBackEvent Event, long Bytes, long Sequence)> _events = new();
        private readonly Lock _gate = new();
        private long _bytes;
        private long _sequence;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Add(FoldBackEvent e)
        {
            var bytes = 96 + InProcessEntity.StringBytes(e.Entity) + InProcessEntity.StringBytes(e.Reason) + InProcessEntity.StringBytes(e.TriggerRequestId)
                        + 8L * e.Requests.Count + e.Requests.Sum(InProcessEntity.RecentBytes);
            lock (_gate)
            {
                _events.Enqueue((e, bytes, ++_sequence));
                var total = _bytes + bytes;
                while (_events.Count > RedisGatewayMemory.FoldBackStreamLength || total > maxBytes)
                {
                    total -= _events.Dequeue().Bytes;
                }

                Interlocked.Exchange(ref _bytes, total);
            }
        }

        public IReadOnlyList<(long Sequence, FoldBackEvent Event)> After(long sequence, int count)
        {
            lock (_gate)
            {
                return _events.Where(e => e.Sequence > sequence).Take(count).Select(e => (e.Sequence, e.Event)).ToList();
            }
        }

        // The numbers held run without a gap from the oldest to the newest (the bound drops from the front only).
        public long CountAfter(long sequence)
        {
            lock (_gate)
            {
                return _events.Count == 0 ? 0 : Math.Max(0, _sequence - Math.Max(sequence, _events.Peek().Sequence - 1));
            }
        }

        public IReadOnlyList<FoldBackEvent> Newest(int count)
        {
            lock (_gate)
            {
                return _events.Reverse().Take(count).Select(e => e.Event).ToList();
            }
        }
    }
}
