using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The shared store on one <see cref="IConnectionMultiplexer"/>. It carries out a <see cref="StorePlan"/> as one script
/// per entity (address, client shape, prefix, message/recipient, message/client), each on its own hash-tagged slot,
/// queued in one <see cref="IBatch"/> that the multiplexer writes in one go: one network round trip, on a single server
/// or a cluster alike. Scripts go by <see cref="LuaScript"/> (EVALSHA, EVAL fallback).
/// </summary>
public sealed class RedisGatewayMemory(IConnectionMultiplexer redis, MemoryKeys keys) : IGatewayMemory
{
    /// <summary>Fold-back events kept (XADD MAXLEN ~).</summary>
    public const int FoldBackStreamLength = 10_000;

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

    // An address: its tag, its fan-out per client, its recent requests. A tag is set once (NX) and never renewed, so one
    // scanner cannot keep a shared address tagged forever; when it is set, the tagging client's recent requests are handed
    // back for fold-back and the other clients' stay (entries name their client in JSON: "client":"…").
    private static readonly LuaScript _addressScript = LuaScript.Prepare($$"""
        local before = redis.call('GET', @tag)
        local fanout = 0
        if @recipient ~= '' then
          {{CountInWindow("recipients", "recipient", "fanoutMs", "fanoutCap", "fanout")}}
        end
        local taken = {}
        if @newTag ~= '' then
          if redis.call('SET', @tag, @newTag, 'NX', 'PX', @ttlMs) then
            local keep = {}
            local mark = '"client":"' .. @client .. '"'
            for _, entry in ipairs(redis.call('LRANGE', @recent, 0, -1)) do
              if string.find(entry, mark, 1, true) then taken[#taken + 1] = entry else keep[#keep + 1] = entry end
            end
            if #taken > 0 then
              redis.call('DEL', @recent)
              if #keep > 0 then
                redis.call('RPUSH', @recent, unpack(keep))
                redis.call('PEXPIRE', @recent, @recentMs)
              end
            end
          end
        elseif @entry ~= '' then
          redis.call('LPUSH', @recent, @entry)
          redis.call('LTRIM', @recent, 0, @recentMax - 1)
          redis.call('PEXPIRE', @recent, @recentMs)
        end
        return {before or '', fanout, taken}
        """);

    // A client shape's or a prefix's tag: read it, and set it once when there is a new one; the shape's fan-out.
    private static readonly LuaScript _tagScript = LuaScript.Prepare($$"""
        local before = redis.call('GET', @tag)
        if @newTag ~= '' then redis.call('SET', @tag, @newTag, 'NX', 'PX', @ttlMs) end
        local fanout = 0
        if @recipient ~= '' then
          {{CountInWindow("recipients", "recipient", "fanoutMs", "fanoutCap", "fanout")}}
        end
        return {before or '', fanout}
        """);

    // One recipient's message: the links this client fetched in the burst window, and the honeypot mark.
    private static readonly LuaScript _messageScript = LuaScript.Prepare($$"""
        local links = 0
        if @link ~= '' then
          {{CountInWindow("links", "link", "burstMs", "linksCap", "links")}}
        end
        if @hit == '1' then redis.call('SET', @honey, @now, 'PX', @honeyMs) end
        local near = 0
        local hit = redis.call('GET', @honey)
        if hit and (@now - hit) <= tonumber(@honeyMs) then near = 1 end
        return {links, near}
        """);

    // A window set alone: one message's recipients reached by one client (burst.domain).
    private static readonly LuaScript _windowScript = LuaScript.Prepare($$"""
        local count = 0
        {{CountInWindow("recipients", "recipient", "windowMs", "cap", "count")}}
        return count
        """);

    public string Name => "redis";

    public async ValueTask<MemoryRecall> ObserveAsync(MemoryObservation o, CancellationToken cancellationToken)
    {
        var plan = StorePlan.Observe(o, keys);
        return plan.Recall(await ExecuteAsync(plan).ConfigureAwait(false));
    }

    public async ValueTask<IReadOnlyList<FoldBackEvent>> RememberAsync(MemoryRemember r, CancellationToken cancellationToken)
    {
        var plan = StorePlan.Remember(r, keys);
        var events = r.FoldBack.Concat(plan.FoldBack((await ExecuteAsync(plan).ConfigureAwait(false)).Taken, r.Tag.Reasons)).ToList();
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

    /// <summary>Queues one script per step in one batch, sends it, and awaits them together: one round trip.</summary>
    private async Task<StepResults> ExecuteAsync(StorePlan plan)
    {
        var batch = redis.GetDatabase().CreateBatch();
        var now = plan.Observation.Now.ToUnixTimeMilliseconds();
        var address = plan.Address is { } a ? batch.ScriptEvaluateAsync(_addressScript, new
        {
            tag = (RedisKey)a.TagKey,
            recent = (RedisKey)a.RecentKey,
            recipients = (RedisKey)(a.Fanout?.Key ?? a.TagKey),
            now,
            recipient = a.Fanout?.Member ?? string.Empty,
            fanoutMs = Milliseconds(a.Fanout?.Window),
            fanoutCap = a.Fanout?.Cap ?? 0,
            newTag = a.NewTag?.Serialize() ?? string.Empty,
            ttlMs = Milliseconds(a.TagTtl),
            entry = a.Entry?.Serialize() ?? string.Empty,
            recentMs = Milliseconds(a.RecentWindow),
            recentMax = a.RecentMax,
            client = a.Client,
        }) : null;
        var shape = plan.Shape is { } s ? Tag(batch, s.TagKey, s.NewTag, s.TagTtl, s.Fanout, now) : null;
        var network = plan.Network is { } n ? Tag(batch, n.TagKey, n.NewTag, n.TagTtl, null, now) : null;
        var message = plan.Message is { } m ? batch.ScriptEvaluateAsync(_messageScript, new
        {
            links = (RedisKey)(m.Links?.Key ?? m.HoneyKey),
            honey = (RedisKey)m.HoneyKey,
            now,
            link = m.Links?.Member ?? string.Empty,
            burstMs = Milliseconds(m.Links?.Window),
            linksCap = m.Links?.Cap ?? 0,
            hit = m.Hit ? "1" : string.Empty,
            honeyMs = Milliseconds(m.HoneyWindow),
        }) : null;
        var domain = plan.Domain is { } d ? batch.ScriptEvaluateAsync(_windowScript, new
        {
            recipients = (RedisKey)d.Key,
            now,
            recipient = d.Member,
            windowMs = Milliseconds(d.Window),
            cap = d.Cap,
        }) : null;
        batch.Execute();
        await Task.WhenAll(new Task?[] { address, shape, network, message, domain }.OfType<Task>()).ConfigureAwait(false);

        var addressResult = address is null ? null : (RedisResult[])(await address.ConfigureAwait(false))!;
        var shapeResult = shape is null ? null : (RedisResult[])(await shape.ConfigureAwait(false))!;
        var networkResult = network is null ? null : (RedisResult[])(await network.ConfigureAwait(false))!;
        var messageResult = message is null ? null : (RedisResult[])(await message.ConfigureAwait(false))!;
        return new StepResults(
            AddressTag: addressResult is null || IsEmpty(addressResult[0]) ? null : AddressTag.Parse((string?)addressResult[0]),
            AddressFanout: addressResult is null ? 0 : (int)addressResult[1],
            Taken: addressResult is null ? [] : ((RedisResult[])addressResult[2]!).Select(t => RecentRequest.Parse((string)t!)).OfType<RecentRequest>().ToList(),
            ShapeTagged: shapeResult is not null && !IsEmpty(shapeResult[0]),
            ShapeFanout: shapeResult is null ? 0 : (int)shapeResult[1],
            NetworkTagged: networkResult is not null && !IsEmpty(networkResult[0]),
            Links: messageResult is null ? 0 : (int)messageResult[0],
            NearHoneypot: messageResult is not null && (int)messageResult[1] == 1,
            DomainRecipients: domain is null ? 0 : (int)(await domain.ConfigureAwait(false)));
    }

    private static Task<RedisResult> Tag(IBatch batch, string tagKey, AddressTag? newTag, TimeSpan ttl, WindowCount? fanout, long now) =>
        batch.ScriptEvaluateAsync(_tagScript, new
        {
            tag = (RedisKey)tagKey,
            newTag = newTag?.Serialize() ?? string.Empty,
            ttlMs = Milliseconds(ttl),
            recipients = (RedisKey)(fanout?.Key ?? tagKey),
            now,
            recipient = fanout?.Member ?? string.Empty,
            fanoutMs = Milliseconds(fanout?.Window),
            fanoutCap = fanout?.Cap ?? 0,
        });

    private static long Milliseconds(TimeSpan? span) => (long)(span?.TotalMilliseconds ?? 0);

    private static bool IsEmpty(RedisResult result) => result.IsNull || ((string?)result)?.Length is null or 0;
}
