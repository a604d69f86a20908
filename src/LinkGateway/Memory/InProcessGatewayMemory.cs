using System.Collections.Concurrent;
using LinkGateway.Signals;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Internal;

namespace LinkGateway.Memory;

/// <summary>
/// The embedded store for one node and the demo: the same entities, windows and fold-back as the Redis
/// scripts, held in a <see cref="MemoryCache"/> (size bound and expiry from the framework) whose clock
/// is a <see cref="TimeProvider"/>, so offline replays and tests control time. Past the size bound the
/// cache compacts; an entity it could not keep simply starts empty, as after an expiry.
/// </summary>
public sealed class InProcessGatewayMemory : IGatewayMemory, IDisposable
{
    private readonly MemoryCache _cache;
    private readonly MemoryKeys _keys;
    private readonly BehaviourOptions _behaviour;
    private readonly WindowSetCaps _caps;
    private readonly TimeProvider _time;
    private readonly TimeSpan _taggedLifetime;
    private readonly TimeSpan _windowLifetime;
    private readonly ConcurrentQueue<FoldBackEvent> _foldBack = new();

    public InProcessGatewayMemory(MemoryKeys keys, BehaviourOptions behaviour, TimeProvider time, int maxEntries, TimeSpan tagTtl)
    {
        _keys = keys;
        _behaviour = behaviour;
        _caps = WindowSetCaps.For(behaviour);
        _time = time;
        _taggedLifetime = tagTtl;
        _windowLifetime = new[] { behaviour.FoldBackWindow, behaviour.FanoutWindow, behaviour.BurstDomainWindow, behaviour.HoneypotWindow }.Max();
        _cache = new MemoryCache(new MemoryCacheOptions
        {
            Clock = new TimeProviderClock(time),
            SizeLimit = maxEntries,
            CompactionPercentage = 0.10,
            // Every entity checks its own expiry when read; the scan only returns memory early. Scanning a
            // large cache every minute costs more than it frees (a replay's clock runs fast).
            ExpirationScanFrequency = TimeSpan.FromMinutes(10),
        });
    }

    public string Name => "in-process";

    public ValueTask<MemoryRecall> ObserveAsync(MemoryObservation o, CancellationToken cancellationToken)
    {
        var entry = o.NewTag is null && !o.HoneypotHit ? o.AsRecent() : null;
        var foldBack = new List<FoldBackEvent>();
        var reason = o.NewTag?.Reasons ?? string.Empty;
        var recipient = o.Identity.RecipientId;

        (AddressTag? Before, int Fanout) address = default, network = default;
        if (o.ClientAddress is not null)
        {
            address = Get(_keys.Address(o.ClientAddress)).ObserveAddress(o, recipient, o.NewTag, entry, _behaviour, _caps, foldBack, static o => o.AddressEntity, reason);
        }

        if (o.Prefix is not null)
        {
            network = Get(_keys.Network(o.Prefix)).ObserveAddress(o, recipient, o.HoneypotHit ? o.NewTag : null, entry, _behaviour, _caps, foldBack, static o => o.NetworkEntity, reason);
        }

        (int Links, bool NearHoneypot) message = default;
        var messageNetwork = 0;
        if (o.HasMessageRecipient)
        {
            message = Get(_keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!), tagged: false)
                .ObserveMessage(o, entry, _behaviour, _caps, foldBack, static o => o.MessageEntity, reason);
            if (o.CountsForBurstDomain(_behaviour))
            {
                messageNetwork = Get(_keys.MessageNetwork(o.Identity.MessageId!, o.Prefix!), tagged: false).AddMember(o.Identity.RecipientId!, o.Now, _behaviour.BurstDomainWindow, _caps.Domain);
            }
        }

        var shapeTagged = o.ShapeKey is not null && Get(_keys.Shape(o.ShapeKey)).ReadAndTag(o.Now, o.NewTag, o.TagTtl) is not null;
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
            Get(_keys.Address(o.ClientAddress)).ObserveAddress(o, null, r.Tag, null, _behaviour, _caps, events, static o => o.AddressEntity, r.Tag.Reasons);
        }

        if (r.TagShape && o.ShapeKey is not null)
        {
            Get(_keys.Shape(o.ShapeKey)).ReadAndTag(o.Now, r.Tag, o.TagTtl);
        }

        if (r.TakeMessage && o.HasMessageRecipient)
        {
            var taken = Get(_keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!), tagged: false).TakeRecent();
            var requests = FoldBackEvent.Select(taken, o.Now, _behaviour.BurstLinksWindow, o.RequestId);
            if (requests.Count > 0)
            {
                events.Add(new FoldBackEvent(o.MessageEntity, r.Tag.Reasons, o.Now, o.RequestId, requests));
            }
        }

        foreach (var e in events)
        {
            _foldBack.Enqueue(e);
            while (_foldBack.Count > RedisGatewayMemory.FoldBackStreamLength && _foldBack.TryDequeue(out _))
            {
            }
        }

        return ValueTask.FromResult<IReadOnlyList<FoldBackEvent>>(events);
    }

    public ValueTask<IReadOnlyList<FoldBackEvent>> ReadFoldBackAsync(int count, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IReadOnlyList<FoldBackEvent>>(_foldBack.Reverse().Take(count).ToList());

    public ValueTask<EntityLookup> LookupAsync(string entity, CancellationToken cancellationToken)
    {
        var found = Find(_keys.Entity(entity));
        var now = _time.GetUtcNow();
        var recent = found?.RecentSnapshot() ?? [];
        return ValueTask.FromResult(found?.CurrentTag(now) is { } tag
            ? new EntityLookup(tag, found.TagExpires - now, recent)
            : new EntityLookup(null, TimeSpan.Zero, recent));
    }

    public ValueTask<bool> ForgetTagAsync(string entity, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Find(_keys.Entity(entity))?.ClearTag(_time.GetUtcNow()) ?? false);

    public ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Get(_keys.UsedNonce(nonce)).ReadAndTag(_time.GetUtcNow(), new AddressTag(0, "used", _time.GetUtcNow()), ttl) is null);

    public ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken) => ValueTask.FromResult(TimeSpan.Zero);

    public void Dispose() => _cache.Dispose();

    private Entity? Find(string key) => _cache.TryGetValue(key, out Entity? entity) ? entity : null;

    /// <param name="tagged">The entity can carry a tag (address, prefix, shape): it lives as long as tags do; the others only as long as their windows.</param>
    private Entity Get(string key, bool tagged = true) => _cache.GetOrCreate(key, e =>
    {
        e.Size = 1;
        e.SlidingExpiration = tagged ? _taggedLifetime : _windowLifetime;
        return new Entity();
    })!;

    /// <summary>One entity's state, each part with its own expiry, changed under the entity's lock as a Redis script would.</summary>
    private sealed class Entity
    {
        private readonly Lock _gate = new();
        // Made on first use: most entities need only one of them, and a replay holds hundreds of thousands.
        private Dictionary<string, DateTimeOffset>? _members;
        private List<RecentRequest>? _recent;
        private AddressTag? _tag;
        private DateTimeOffset? _honeypotAt;

        public DateTimeOffset TagExpires { get; private set; }

        private List<RecentRequest> Recent => _recent ??= [];

        private Dictionary<string, DateTimeOffset> Members => _members ??= new(StringComparer.Ordinal);

        public AddressTag? CurrentTag(DateTimeOffset now)
        {
            lock (_gate)
            {
                return _tag is not null && TagExpires > now ? _tag : null;
            }
        }

        public IReadOnlyList<RecentRequest> RecentSnapshot()
        {
            lock (_gate)
            {
                return _recent is null ? [] : _recent.ToList();
            }
        }

        public bool ClearTag(DateTimeOffset now)
        {
            lock (_gate)
            {
                var had = _tag is not null && TagExpires > now;
                _tag = null;
                return had;
            }
        }

        /// <summary>The address script: returns the tag before this request and the fan-out count.</summary>
        public (AddressTag? Before, int Fanout) ObserveAddress(MemoryObservation o, string? recipient, AddressTag? newTag, RecentRequest? entry,
            BehaviourOptions behaviour, WindowSetCaps caps, List<FoldBackEvent> foldBack, Func<MemoryObservation, string> entity, string reason)
        {
            lock (_gate)
            {
                var before = _tag is not null && TagExpires > o.Now ? _tag : null;
                var fanout = recipient is null ? 0 : AddMemberLocked(recipient, o.Now, behaviour.FanoutWindow, caps.Fanout);
                if (newTag is not null)
                {
                    if (before is null)
                    {
                        SetTagLocked(newTag, o.Now + o.TagTtl);
                        AddFoldBack(foldBack, entity, reason, o, _recent, behaviour.FoldBackWindow);
                    }

                    _recent?.Clear();
                }
                else if (entry is not null)
                {
                    RememberRecentLocked(entry, o.Now, behaviour);
                }

                return (before, fanout);
            }
        }

        public (int Links, bool NearHoneypot) ObserveMessage(MemoryObservation o, RecentRequest? entry, BehaviourOptions behaviour, WindowSetCaps caps,
            List<FoldBackEvent> foldBack, Func<MemoryObservation, string> entity, string reason)
        {
            lock (_gate)
            {
                var links = o.Identity.LinkId is null ? 0 : AddMemberLocked(o.Identity.LinkId, o.Now, behaviour.BurstLinksWindow, caps.Links);
                if (o.HoneypotHit)
                {
                    _honeypotAt = o.Now;
                    AddFoldBack(foldBack, entity, reason, o, _recent, behaviour.HoneypotWindow);
                    _recent?.Clear();
                }
                else if (entry is not null)
                {
                    RememberRecentLocked(entry, o.Now, behaviour);
                }

                var near = _honeypotAt is { } hit && o.Now - hit <= behaviour.HoneypotWindow;
                return (links, near);
            }
        }

        public int AddMember(string member, DateTimeOffset now, TimeSpan window, int cap)
        {
            lock (_gate)
            {
                return AddMemberLocked(member, now, window, cap);
            }
        }

        /// <summary>Reads the tag and, when given one and there is none, sets it: true-to-Redis GET then SET NX.</summary>
        public AddressTag? ReadAndTag(DateTimeOffset now, AddressTag? newTag, TimeSpan ttl)
        {
            lock (_gate)
            {
                var before = _tag is not null && TagExpires > now ? _tag : null;
                if (newTag is not null && before is null)
                {
                    SetTagLocked(newTag, now + ttl);
                }

                return before;
            }
        }

        /// <summary>Only ever called when there is no live tag: tags are set once and never renewed, as in Redis (SET NX).</summary>
        private void SetTagLocked(AddressTag tag, DateTimeOffset expires)
        {
            _tag = tag;
            TagExpires = expires;
        }

        public List<RecentRequest> TakeRecent()
        {
            lock (_gate)
            {
                var taken = Recent.ToList();
                Recent.Clear();
                return taken;
            }
        }

        /// <summary>The window-set script: add, drop what left the window, then past the cap the oldest (as ZREMRANGEBYRANK does), count.</summary>
        private int AddMemberLocked(string member, DateTimeOffset now, TimeSpan window, int cap)
        {
            var members = Members;
            members[member] = now;
            var oldest = now - window;
            foreach (var (key, seen) in members)
            {
                if (seen <= oldest)
                {
                    members.Remove(key); // removing while enumerating is allowed for Dictionary since .NET Core 3.0
                }
            }

            while (members.Count > cap)
            {
                members.Remove(members.MinBy(m => m.Value).Key);
            }

            return members.Count;
        }

        /// <summary>LPUSH then LTRIM to FoldBackMaxEntries, newest first; what left the fold-back window goes too.</summary>
        private void RememberRecentLocked(RecentRequest entry, DateTimeOffset now, BehaviourOptions behaviour)
        {
            Recent.RemoveAll(r => r.At < now - behaviour.FoldBackWindow);
            Recent.Insert(0, entry);
            if (Recent.Count > behaviour.FoldBackMaxEntries)
            {
                Recent.RemoveRange(behaviour.FoldBackMaxEntries, Recent.Count - behaviour.FoldBackMaxEntries);
            }
        }

        private static void AddFoldBack(List<FoldBackEvent> foldBack, Func<MemoryObservation, string> entity, string reason, MemoryObservation o,
            List<RecentRequest>? recent, TimeSpan window)
        {
            if (recent is not { Count: > 0 })
            {
                return;
            }

            var requests = FoldBackEvent.Select(recent, o.Now, window, o.RequestId);
            if (requests.Count > 0)
            {
                foldBack.Add(new FoldBackEvent(entity(o), reason, o.Now, o.RequestId, requests));
            }
        }
    }

    private sealed class TimeProviderClock(TimeProvider time) : ISystemClock
    {
        public DateTimeOffset UtcNow => time.GetUtcNow();
    }
}
