using LinkGateway.Signals;

namespace LinkGateway.Memory;

/// <summary>
/// The embedded store for one node and the demo: the same entities, windows, caps and fold-back as the
/// Redis scripts (each script below reads as its Lua twin), whose clock is a <see cref="TimeProvider"/>,
/// so offline replays and tests control time. Bounded in bytes (<c>LinkGateway:Memory:InProcessMaxBytes</c>):
/// seven eighths for the entities (<see cref="InProcessTable"/>: expired first, then least recently
/// used), one eighth for the fold-back events (oldest first). An entity the store could not keep simply
/// starts empty, as after an expiry.
/// </summary>
public sealed class InProcessGatewayMemory : IGatewayMemory, IDisposable
{
    private static readonly AddressTag _usedMark = new(0, "used", DateTimeOffset.UnixEpoch);

    private readonly InProcessTable _table;
    private readonly FoldBackRing _foldBack;
    private readonly MemoryKeys _keys;
    private readonly BehaviourOptions _behaviour;
    private readonly WindowSetCaps _caps;
    private readonly TimeProvider _time;

    public InProcessGatewayMemory(MemoryKeys keys, BehaviourOptions behaviour, TimeProvider time, long maxBytes)
    {
        _keys = keys;
        _behaviour = behaviour;
        _caps = WindowSetCaps.For(behaviour);
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
        var entry = o.NewTag is null && !o.HoneypotHit ? o.AsRecent() : null;
        var foldBack = new List<FoldBackEvent>();
        var reason = o.NewTag?.Reasons ?? string.Empty;

        (AddressTag? Before, int Fanout, List<RecentRequest>? Taken) address = default, network = default;
        if (o.ClientAddress is not null)
        {
            address = Address(_keys.Address(o.ClientAddress), o, o.Identity.RecipientId, o.NewTag, entry);
            FoldBackEvent.AddTo(foldBack, static o => o.AddressEntity, reason, o, address.Taken, _behaviour.FoldBackWindow);
        }

        if (o.Prefix is not null)
        {
            network = Address(_keys.Network(o.Prefix), o, o.Identity.RecipientId, o.HoneypotHit ? o.NewTag : null, entry);
            FoldBackEvent.AddTo(foldBack, static o => o.NetworkEntity, reason, o, network.Taken, _behaviour.FoldBackWindow);
        }

        (int Links, bool NearHoneypot, List<RecentRequest>? Taken) message = default;
        var messageNetwork = 0;
        if (o.HasMessageRecipient)
        {
            message = _table.Change(_keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!), o.Now, (Store: this, o, entry),
                static (e, s) => s.Store.MessageScript(e, s.o, s.entry));
            FoldBackEvent.AddTo(foldBack, static o => o.MessageEntity, reason, o, message.Taken, _behaviour.HoneypotWindow);
            if (o.CountsForBurstDomain(_behaviour))
            {
                messageNetwork = _table.Change(_keys.MessageNetwork(o.Identity.MessageId!, o.Prefix!), o.Now, (Store: this, o),
                    static (e, s) => e.AddMember(s.o.Identity.RecipientId!, s.o.Now, s.Store._behaviour.BurstDomainWindow, s.Store._caps.Domain));
            }
        }

        var shapeTagged = o.ShapeKey is not null && Shape(o, o.NewTag) is not null;
        var facts = new BehaviourFacts(address.Before is not null, network.Before is not null, shapeTagged,
            address.Fanout, network.Fanout, message.Links, messageNetwork, message.NearHoneypot);
        return ValueTask.FromResult(new MemoryRecall(address.Before, facts, foldBack));
    }

    public ValueTask<IReadOnlyList<FoldBackEvent>> RememberAsync(MemoryRemember r, CancellationToken cancellationToken)
    {
        var o = r.Observation;
        var events = new List<FoldBackEvent>(r.FoldBack);
        if (r.TagAddress && o.ClientAddress is not null)
        {
            var taken = Address(_keys.Address(o.ClientAddress), o, null, r.Tag, null).Taken;
            FoldBackEvent.AddTo(events, static o => o.AddressEntity, r.Tag.Reasons, o, taken, _behaviour.FoldBackWindow);
        }

        if (r.TagShape && o.ShapeKey is not null)
        {
            Shape(o, r.Tag);
        }

        if (r.TakeMessage && o.HasMessageRecipient)
        {
            var taken = _table.ChangeExisting(_keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!), o.Now, 0, static (e, _) => e.TakeRecent());
            FoldBackEvent.AddTo(events, static o => o.MessageEntity, r.Tag.Reasons, o, taken, _behaviour.BurstLinksWindow);
        }

        foreach (var e in events)
        {
            _foldBack.Add(e);
        }

        return ValueTask.FromResult<IReadOnlyList<FoldBackEvent>>(events);
    }

    public ValueTask<IReadOnlyList<FoldBackEvent>> ReadFoldBackAsync(int count, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_foldBack.Newest(count));

    public ValueTask<EntityLookup> LookupAsync(string entity, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return ValueTask.FromResult(_table.ChangeExisting(_keys.Entity(entity), now, now, static (e, now) => new EntityLookup(e.Tag(now), e.TagTimeToLive(now), e.Recent))
                                    ?? new EntityLookup(null, TimeSpan.Zero, []));
    }

    public ValueTask<bool> ForgetTagAsync(string entity, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return ValueTask.FromResult(_table.ChangeExisting(_keys.Entity(entity), now, now, static (e, now) => e.ForgetTag(now)));
    }

    /// <summary>SET NX PX, atomic as in Redis: the mark is made under its entity's lock, on the one entity the table holds.</summary>
    public ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        return ValueTask.FromResult(_table.Change(_keys.UsedNonce(nonce), now, (now, ttl), static (e, s) =>
        {
            e.SingleUse = true;
            return e.SetTagOnce(_usedMark, s.now, s.ttl);
        }));
    }

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(TimeSpan.Zero);

    public void Dispose() => _table.Clear();

    private (AddressTag? Before, int Fanout, List<RecentRequest>? Taken) Address(string key, MemoryObservation o, string? recipient, AddressTag? newTag,
        RecentRequest? entry) =>
        _table.Change(key, o.Now, (Store: this, o, recipient, newTag, entry), static (e, s) => s.Store.AddressScript(e, s.o, s.recipient, s.newTag, s.entry));

    /// <summary>The address script (a prefix's too): fan-out, the tag set once, the recent list handed back when the tag is first set.</summary>
    private (AddressTag? Before, int Fanout, List<RecentRequest>? Taken) AddressScript(InProcessEntity e, MemoryObservation o, string? recipient,
        AddressTag? newTag, RecentRequest? entry)
    {
        var before = e.Tag(o.Now);
        var fanout = string.IsNullOrEmpty(recipient) ? 0 : e.AddMember(recipient, o.Now, _behaviour.FanoutWindow, _caps.Fanout);
        List<RecentRequest>? taken = null;
        if (newTag is not null)
        {
            var set = e.SetTagOnce(newTag, o.Now, o.TagTtl);
            var recent = e.TakeRecent();
            taken = set ? recent : null;
        }
        else if (entry is not null)
        {
            e.PushRecent(entry, o.Now, _behaviour.FoldBackWindow, _behaviour.FoldBackMaxEntries);
        }

        return (before, fanout, taken);
    }

    /// <summary>The message script: distinct links, the honeypot mark (handing back the recent list), the recent list.</summary>
    private (int Links, bool NearHoneypot, List<RecentRequest>? Taken) MessageScript(InProcessEntity e, MemoryObservation o, RecentRequest? entry)
    {
        var links = string.IsNullOrEmpty(o.Identity.LinkId) ? 0 : e.AddMember(o.Identity.LinkId, o.Now, _behaviour.BurstLinksWindow, _caps.Links);
        List<RecentRequest>? taken = null;
        if (o.HoneypotHit)
        {
            e.MarkHoneypot(o.Now, _behaviour.HoneypotWindow);
            taken = e.TakeRecent();
        }
        else if (entry is not null)
        {
            e.PushRecent(entry, o.Now, _behaviour.FoldBackWindow, _behaviour.FoldBackMaxEntries);
        }

        return (links, e.NearHoneypot(o.Now, _behaviour.HoneypotWindow), taken);
    }

    /// <summary>The shape script: the tag before, and the new one set once. Reading alone creates nothing, as GET does not.</summary>
    private AddressTag? Shape(MemoryObservation o, AddressTag? newTag)
    {
        var key = _keys.Shape(o.ShapeKey!);
        return newTag is null
            ? _table.ChangeExisting(key, o.Now, o.Now, static (e, now) => e.Tag(now))
            : _table.Change(key, o.Now, (o, newTag), static (e, s) =>
            {
                var before = e.Tag(s.o.Now);
                e.SetTagOnce(s.newTag, s.o.Now, s.o.TagTtl);
                return before;
            });
    }

    /// <summary>The fold-back events, oldest first: as many as the Redis stream keeps, and at most its share of the byte bound.</summary>
    private sealed class FoldBackRing(long maxBytes)
    {
        private readonly Queue<(FoldBackEvent Event, long Bytes)> _events = new();
        private readonly Lock _gate = new();
        private long _bytes;

        public long Bytes => Interlocked.Read(ref _bytes);

        public void Add(FoldBackEvent e)
        {
            var bytes = 96 + InProcessEntity.StringBytes(e.Entity) + InProcessEntity.StringBytes(e.Reason) + InProcessEntity.StringBytes(e.TriggerRequestId)
                        + 8L * e.Requests.Count + e.Requests.Sum(InProcessEntity.RecentBytes);
            lock (_gate)
            {
                _events.Enqueue((e, bytes));
                var total = _bytes + bytes;
                while (_events.Count > RedisGatewayMemory.FoldBackStreamLength || total > maxBytes)
                {
                    total -= _events.Dequeue().Bytes;
                }

                Interlocked.Exchange(ref _bytes, total);
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
