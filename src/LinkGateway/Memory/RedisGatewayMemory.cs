using System.Diagnostics;
using System.Globalization;
using LinkGateway.Signals;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The shared store on one <see cref="IConnectionMultiplexer"/>. A request's round trip is one script
/// per entity (address, prefix, message/recipient, message/network, shape), each on its own hash-tagged
/// slot, queued in one <see cref="IBatch"/> that the multiplexer writes in one go: one network round
/// trip, on a single server or a cluster alike. Scripts go by <see cref="LuaScript"/> (EVALSHA, EVAL fallback).
/// </summary>
public sealed class RedisGatewayMemory(IConnectionMultiplexer redis, MemoryKeys keys, BehaviourOptions behaviour) : IGatewayMemory
{
    /// <summary>Fold-back events kept (XADD MAXLEN ~).</summary>
    public const int FoldBackStreamLength = 10_000;

    // Both entity scripts keep a request that is not (yet) a bot in the entity's recent list, for fold-back.
    private const string RememberRecent = """
        redis.call('LPUSH', @recent, @entry)
          redis.call('LTRIM', @recent, 0, @recentMax - 1)
          redis.call('PEXPIRE', @recent, @recentMs)
        """;

    // Adds a member to a sorted set scored by time, drops those older than the window and, past the cap
    // (WindowSetCaps), the oldest, and counts the rest.
    private static string CountInWindow(string set, string member, string windowMs, string cap, string count) => $"""
        redis.call('ZADD', @{set}, @now, @{member})
          redis.call('ZREMRANGEBYSCORE', @{set}, '-inf', @now - @{windowMs})
          redis.call('PEXPIRE', @{set}, @{windowMs})
          {count} = redis.call('ZCARD', @{set})
          if {count} > tonumber(@{cap}) then
            redis.call('ZREMRANGEBYRANK', @{set}, 0, {count} - tonumber(@{cap}) - 1)
            {count} = tonumber(@{cap})
          end
        """;

    // An address or a prefix: fan-out of recipients, its tag (set when this request is a bot), and the
    // list of its recent requests, handed back once when the tag is first set (fold-back). Tags are set
    // once (NX) and never renewed: one scanner must not keep a shared address tagged forever.
    private static readonly LuaScript _addressScript = LuaScript.Prepare($$"""
        local before = redis.call('GET', @tag)
        local fanout = 0
        if @recipient ~= '' then
          {{CountInWindow("recipients", "recipient", "fanoutMs", "fanoutCap", "fanout")}}
        end
        local taken = {}
        if @newTag ~= '' then
          if redis.call('SET', @tag, @newTag, 'NX', 'PX', @ttlMs) then taken = redis.call('LRANGE', @recent, 0, -1) end
          redis.call('DEL', @recent)
        elseif @entry ~= '' then
          {{RememberRecent}}
        end
        return {before or '', fanout, taken}
        """);

    // One recipient's message: distinct links in the burst window, the honeypot mark, its recent requests.
    private static readonly LuaScript _messageScript = LuaScript.Prepare($$"""
        local links = 0
        if @link ~= '' then
          {{CountInWindow("links", "link", "burstMs", "linksCap", "links")}}
        end
        local taken = {}
        if @honeypot == '1' then
          redis.call('SET', @honey, @now, 'PX', @honeyMs)
          taken = redis.call('LRANGE', @recent, 0, -1)
          redis.call('DEL', @recent)
        elseif @entry ~= '' then
          {{RememberRecent}}
        end
        local near = 0
        local hit = redis.call('GET', @honey)
        if hit and (@now - hit) <= tonumber(@honeyMs) then near = 1 end
        return {links, near, taken}
        """);

    // One message from one network: distinct recipients in the burst.domain window.
    private static readonly LuaScript _messageNetworkScript = LuaScript.Prepare($$"""
        local count = 0
        {{CountInWindow("recipients", "recipient", "windowMs", "cap", "count")}}
        return count
        """);

    // A client shape's tag: read it, and set it when this request is a bot and it is not tagged yet.
    private static readonly LuaScript _shapeScript = LuaScript.Prepare("""
        local before = redis.call('GET', @tag)
        if @newTag ~= '' then redis.call('SET', @tag, @newTag, 'NX', 'PX', @ttlMs) end
        return before or ''
        """);

    private static readonly LuaScript _takeScript = LuaScript.Prepare("""
        local taken = redis.call('LRANGE', @recent, 0, -1)
        redis.call('DEL', @recent)
        return taken
        """);

    private readonly WindowSetCaps _caps = WindowSetCaps.For(behaviour);

    public string Name => "redis";

    public async ValueTask<MemoryRecall> ObserveAsync(MemoryObservation o, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase().CreateBatch();
        var now = o.Now.ToUnixTimeMilliseconds();
        var entry = o.NewTag is null && !o.HoneypotHit ? o.AsRecent().Serialize() : string.Empty;
        var newTag = o.NewTag?.Serialize() ?? string.Empty;
        var recipient = o.Identity.RecipientId ?? string.Empty;

        // Queue every script, then send the batch and await them together.
        var address = o.ClientAddress is null ? null : Address(db, keys.Address(o.ClientAddress), now, recipient, newTag, entry, o.TagTtl);
        var network = o.Prefix is null ? null : Address(db, keys.Network(o.Prefix), now, recipient, o.HoneypotHit ? newTag : string.Empty, entry, o.TagTtl);
        var message = o.HasMessageRecipient ? Message(db, keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!), now, o, entry) : null;
        var messageNetwork = o.CountsForBurstDomain(behaviour)
            ? db.ScriptEvaluateAsync(_messageNetworkScript, new
            {
                recipients = (RedisKey)(keys.MessageNetwork(o.Identity.MessageId!, o.Prefix!) + ":rcpt"),
                now,
                recipient,
                windowMs = (long)behaviour.BurstDomainWindow.TotalMilliseconds,
                cap = _caps.Domain,
            })
            : null;
        var shape = o.ShapeKey is null ? null : db.ScriptEvaluateAsync(_shapeScript, new
        {
            tag = (RedisKey)(keys.Shape(o.ShapeKey) + ":tag"),
            newTag,
            ttlMs = (long)o.TagTtl.TotalMilliseconds,
        });
        db.Execute();
        await Task.WhenAll(new Task?[] { address, network, message, messageNetwork, shape }.OfType<Task>()).ConfigureAwait(false);

        var foldBack = new List<FoldBackEvent>();
        var addressResult = address is null ? null : (RedisResult[])(await address.ConfigureAwait(false))!;
        var networkResult = network is null ? null : (RedisResult[])(await network.ConfigureAwait(false))!;
        var messageResult = message is null ? null : (RedisResult[])(await message.ConfigureAwait(false))!;
        var reason = o.NewTag?.Reasons ?? string.Empty;
        if (addressResult is not null)
        {
            AddFoldBack(foldBack, static o => o.AddressEntity, reason, o, addressResult[2], behaviour.FoldBackWindow);
        }

        if (networkResult is not null)
        {
            AddFoldBack(foldBack, static o => o.NetworkEntity, reason, o, networkResult[2], behaviour.FoldBackWindow);
        }

        if (messageResult is not null)
        {
            AddFoldBack(foldBack, static o => o.MessageEntity, reason, o, messageResult[2], behaviour.HoneypotWindow);
        }

        var facts = new BehaviourFacts(
            AddressTagged: addressResult is not null && !IsEmpty(addressResult[0]),
            PrefixTagged: networkResult is not null && !IsEmpty(networkResult[0]),
            ShapeTagged: shape is not null && !IsEmpty(await shape.ConfigureAwait(false)),
            AddressRecipients: addressResult is null ? 0 : (int)addressResult[1],
            PrefixRecipients: networkResult is null ? 0 : (int)networkResult[1],
            MessageLinks: messageResult is null ? 0 : (int)messageResult[0],
            MessageNetworkRecipients: messageNetwork is null ? 0 : (int)(await messageNetwork.ConfigureAwait(false)),
            NearHoneypot: messageResult is not null && (int)messageResult[1] == 1);
        return new MemoryRecall(addressResult is null ? null : AddressTag.Parse((string?)addressResult[0]), facts, foldBack);
    }

    public async ValueTask<IReadOnlyList<FoldBackEvent>> RememberAsync(MemoryRemember r, CancellationToken cancellationToken)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var o = r.Observation;
        var now = o.Now.ToUnixTimeMilliseconds();
        var tag = r.Tag.Serialize();
        var address = r.TagAddress && o.ClientAddress is not null ? Address(batch, keys.Address(o.ClientAddress), now, string.Empty, tag, string.Empty, o.TagTtl) : null;
        var shape = r.TagShape && o.ShapeKey is not null
            ? batch.ScriptEvaluateAsync(_shapeScript, new { tag = (RedisKey)(keys.Shape(o.ShapeKey) + ":tag"), newTag = tag, ttlMs = (long)o.TagTtl.TotalMilliseconds })
            : null;
        var message = r.TakeMessage && o.HasMessageRecipient
            ? batch.ScriptEvaluateAsync(_takeScript, new { recent = (RedisKey)(keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!) + ":recent") })
            : null;
        batch.Execute();
        await Task.WhenAll(new Task?[] { address, shape, message }.OfType<Task>()).ConfigureAwait(false);

        var events = new List<FoldBackEvent>(r.FoldBack);
        if (address is not null)
        {
            AddFoldBack(events, static o => o.AddressEntity, r.Tag.Reasons, o, ((RedisResult[])(await address.ConfigureAwait(false))!)[2], behaviour.FoldBackWindow);
        }

        if (message is not null)
        {
            AddFoldBack(events, static o => o.MessageEntity, r.Tag.Reasons, o, await message.ConfigureAwait(false), behaviour.BurstLinksWindow);
        }

        var db = redis.GetDatabase();
        await Task.WhenAll(events.Select(e => db.StreamAddAsync(keys.FoldBackStream,
        [
            new NameValueEntry("entity", e.Entity),
            new NameValueEntry("reason", e.Reason),
            new NameValueEntry("taggedAt", e.TaggedAt.ToUnixTimeMilliseconds()),
            new NameValueEntry("trigger", e.TriggerRequestId),
            new NameValueEntry("requests", RecentRequest.SerializeList(e.Requests)),
        ], maxLength: FoldBackStreamLength, useApproximateMaxLength: true))).ConfigureAwait(false);
        return events;
    }

    public async ValueTask<IReadOnlyList<FoldBackEvent>> ReadFoldBackAsync(int count, CancellationToken cancellationToken)
    {
        var entries = await redis.GetDatabase().StreamRangeAsync(keys.FoldBackStream, "-", "+", count, Order.Descending).ConfigureAwait(false);
        return entries.Select(e => new FoldBackEvent(
            (string)e["entity"]!,
            (string)e["reason"]!,
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)e["taggedAt"]!, CultureInfo.InvariantCulture)),
            (string)e["trigger"]!,
            RecentRequest.ParseList((string)e["requests"]!))).ToList();
    }

    public async ValueTask<EntityLookup> LookupAsync(string entity, CancellationToken cancellationToken)
    {
        var key = keys.Entity(entity);
        var batch = redis.GetDatabase().CreateBatch(); // one round trip; the keys share the entity's slot
        var tag = batch.StringGetAsync(key + ":tag");
        var timeToLive = batch.KeyTimeToLiveAsync(key + ":tag");
        var recent = batch.ListRangeAsync(key + ":recent");
        batch.Execute();
        var stored = await tag.ConfigureAwait(false);
        var left = await timeToLive.ConfigureAwait(false);
        var requests = (await recent.ConfigureAwait(false)).Select(r => RecentRequest.Parse(r!)).OfType<RecentRequest>().ToList();
        return stored.IsNullOrEmpty
            ? new EntityLookup(null, TimeSpan.Zero, requests)
            : new EntityLookup(AddressTag.Parse(stored), left ?? TimeSpan.Zero, requests);
    }

    public async ValueTask<bool> ForgetTagAsync(string entity, CancellationToken cancellationToken) =>
        await redis.GetDatabase().KeyDeleteAsync(keys.Entity(entity) + ":tag").ConfigureAwait(false);

    public async ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken) =>
        await redis.GetDatabase().StringSetAsync(keys.UsedNonce(nonce), 1, ttl, When.NotExists).ConfigureAwait(false);

    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await redis.GetDatabase().PingAsync().ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    private Task<RedisResult> Address(IDatabaseAsync db, string entity, long now, string recipient, string newTag, string entry, TimeSpan ttl) =>
        db.ScriptEvaluateAsync(_addressScript, new
        {
            tag = (RedisKey)(entity + ":tag"),
            recipients = (RedisKey)(entity + ":rcpt"),
            recent = (RedisKey)(entity + ":recent"),
            now,
            recipient,
            fanoutMs = (long)behaviour.FanoutWindow.TotalMilliseconds,
            fanoutCap = _caps.Fanout,
            newTag,
            ttlMs = (long)ttl.TotalMilliseconds,
            entry,
            recentMs = (long)behaviour.FoldBackWindow.TotalMilliseconds,
            recentMax = behaviour.FoldBackMaxEntries,
        });

    private Task<RedisResult> Message(IDatabaseAsync db, string entity, long now, MemoryObservation o, string entry) =>
        db.ScriptEvaluateAsync(_messageScript, new
        {
            links = (RedisKey)(entity + ":links"),
            honey = (RedisKey)(entity + ":honey"),
            recent = (RedisKey)(entity + ":recent"),
            now,
            link = o.Identity.LinkId ?? string.Empty,
            burstMs = (long)behaviour.BurstLinksWindow.TotalMilliseconds,
            linksCap = _caps.Links,
            honeypot = o.HoneypotHit ? "1" : string.Empty,
            honeyMs = (long)behaviour.HoneypotWindow.TotalMilliseconds,
            entry,
            recentMs = (long)behaviour.FoldBackWindow.TotalMilliseconds,
            recentMax = behaviour.FoldBackMaxEntries,
        });

    private static void AddFoldBack(List<FoldBackEvent> events, Func<MemoryObservation, string> entity, string reason, MemoryObservation o, RedisResult taken, TimeSpan window)
    {
        var entries = (RedisResult[])taken!;
        if (entries.Length > 0)
        {
            FoldBackEvent.AddTo(events, entity, reason, o, entries.Select(t => RecentRequest.Parse((string)t!)), window);
        }
    }

    private static bool IsEmpty(RedisResult result) => result.IsNull || ((string?)result)?.Length is null or 0;
}
