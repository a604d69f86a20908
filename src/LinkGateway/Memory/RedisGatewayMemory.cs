using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The shared store on one <see cref="IConnectionMultiplexer"/>. It carries out a <see cref="StorePlan"/> in one network
/// round trip. On a standalone Redis the whole plan is one script over all its keys: one command to encode, parse and run
/// instead of one per entity. On a Redis Cluster (or a proxy in front of several servers) each entity's keys share a hash
/// tag but the entities do not share a slot, so there it is one script per entity (address, client shape, prefix,
/// message/recipient, message/client, message) queued in one <see cref="IBatch"/> that the multiplexer writes in one go. Both
/// kinds run the same Lua steps. Scripts go by EVALSHA, with an EVAL fallback.
/// </summary>
public sealed class RedisGatewayMemory : IGatewayMemory
{
    /// <summary>Fold-back events kept (XADD MAXLEN ~).</summary>
    public const int FoldBackStreamLength = 10_000;

    // Each step's keys and arguments, in the order its Lua function takes them after "now" (ARGV[1] of every script).
    private const int AddressKeys = 3, AddressArgs = 9, TagKeys = 2, TagArgs = 5, MessageKeys = 2, MessageArgs = 5, WindowKeys = 1, WindowArgs = 3, SeenKeys = 1, SeenArgs = 1;

    // The steps, one Lua function per entity, each touching only its entity's keys. Each returns its findings as values,
    // not a table: both kinds of script return one flat array (Read), and a nested reply costs Redis more to convert
    // (an empty script returning the old nested shape cost 1.9 µs more per call than a flat one, 2026-11-29).
    // window: adds a member to a sorted set scored by time, drops those older than the window and, past the cap
    // (WindowSetCaps), the oldest, and counts the rest (add). A set that did not exist (its PEXPIRE says so) holds only the
    // new member: nothing to drop or count (three commands instead of four).
    // address: its tag, its fan-out per client, its recent requests. A tag is set once (NX) and never renewed, so one
    // scanner cannot keep a shared address tagged forever; when it is set, the tagging client's recent requests are handed
    // back for fold-back and the other clients' stay (entries name their client in JSON: "client":"…"). The recent list is
    // trimmed only once it is longer than its cap (LPUSH returns the length).
    // fanout: the address's distinct recipients of one client. Creating a key (and expiring it later) costs Redis more
    // than anything else a click does, and a person's click is most often the only recent request at its address, so
    // then no set is made: the click's entry in the recent list carries its recipient, as
    // "\31client\31recipient\31time\31window\31" before its JSON (ids are printable, so \31 cannot occur in them, nor raw
    // in JSON). Only an entry pushed to an empty list carries, so it is the list's last (oldest) entry, and a request
    // whose client has no set reads that one entry (LINDEX), not the list, to make the set; its own entry then carries
    // nothing. When the tag takes a client's entries, what they carry stays in the list (the prefix alone, no JSON). What
    // this does not keep exact: a carrying entry pushed out of the list by FoldBackMaxEntries newer requests that made
    // no set of its client within the fan-out window; its client's next recipient then counts one less
    // (docs/concepts/memory.md).
    // tag: a client shape's or a prefix's tag, read and set once when there is a new one; the shape's fan-out.
    // message: one recipient's message: the links this client fetched in the burst window, and the honeypot mark.
    // seen: when the message was first seen (a layout whose links carry no send time).
    private const string Steps = """
        local function add(now, set, member, windowMs, cap)
          redis.call('ZADD', set, now, member)
          redis.call('ZREMRANGEBYSCORE', set, '-inf', now - windowMs)
          local count = redis.call('ZCARD', set)
          if count > cap then
            redis.call('ZREMRANGEBYRANK', set, 0, count - cap - 1)
            count = cap
          end
          return count
        end

        local function window(now, set, member, windowMs, cap)
          cap = tonumber(cap)
          if redis.call('PEXPIRE', set, windowMs) == 1 then return add(now, set, member, windowMs, cap) end
          redis.call('ZADD', set, now, member)
          redis.call('PEXPIRE', set, windowMs)
          return 1 -- a new set holds only this member, inside its window and under any cap (at least 64)
        end

        -- What a recent entry carries for fan-out: its client, recipient, time and the window it was counted in (a reload may
        -- change the window later: a set expires by the window it had), and where its JSON starts; nil for others.
        local function carried(entry)
          return string.match(entry, '^\31([^\31]*)\31([^\31]*)\31(%d+)\31(%d+)\31()')
        end

        -- `pushing`: this request's entry goes to the recent list. Returns the count and whether the entry must carry the
        -- recipient (no set was made: the list was empty).
        local function fanout(now, recent, set, member, windowMs, cap, client, pushing)
          cap = tonumber(cap)
          if redis.call('PEXPIRE', set, windowMs) == 1 then return add(now, set, member, windowMs, cap), false end
          if pushing and redis.call('LLEN', recent) == 0 then return 1, true end
          -- Only an entry pushed to an empty list carries, so the one that may is the oldest: the list's last.
          local last = redis.call('LINDEX', recent, -1) or ''
          local c, m, at, counted, json = carried(last)
          if c ~= client then return window(now, set, member, windowMs, cap), false end
          local counts = m ~= member and tonumber(at) > now - windowMs and at + counted > tonumber(now)
          if counted ~= '0' then
            -- The set made now holds what the entry carried: it must not count again once the set is gone (a reload that
            -- shortened the window may end the set before the entry's own window ends).
            redis.call('LSET', recent, -1, '\31' .. c .. '\31' .. m .. '\31' .. at .. '\31' .. '0\31' .. string.sub(last, json))
          end
          if not counts then return window(now, set, member, windowMs, cap), false end
          redis.call('ZADD', set, at, m)
          local count = add(now, set, member, windowMs, cap)
          redis.call('PEXPIRE', set, windowMs)
          return count, false
        end

        local function address(now, tag, recent, recipients, recipient, fanoutMs, fanoutCap, newTag, ttlMs, entry, recentMs, recentMax, client)
          local before = redis.call('GET', tag)
          local pushing = newTag == '' and entry ~= ''
          local fanoutCount, carries = 0, false
          if recipient ~= '' then fanoutCount, carries = fanout(now, recent, recipients, recipient, fanoutMs, fanoutCap, client, pushing) end
          if pushing then
            if carries then entry = '\31' .. client .. '\31' .. recipient .. '\31' .. now .. '\31' .. fanoutMs .. '\31' .. entry end
            if redis.call('LPUSH', recent, entry) > tonumber(recentMax) then redis.call('LTRIM', recent, 0, recentMax - 1) end
            redis.call('PEXPIRE', recent, recentMs)
          end
          local taken = {}
          if newTag ~= '' and redis.call('SET', tag, newTag, 'NX', 'PX', ttlMs) then
            local keep = {}
            local mark = '"client":"' .. client .. '"'
            for _, entry in ipairs(redis.call('LRANGE', recent, 0, -1)) do
              local c, m, at, counted, json = carried(entry)
              if string.find(entry, mark, json or 1, true) then
                taken[#taken + 1] = entry
                if c then keep[#keep + 1] = '\31' .. c .. '\31' .. m .. '\31' .. at .. '\31' .. counted .. '\31' end
              else
                keep[#keep + 1] = entry
              end
            end
            if #taken > 0 then
              redis.call('DEL', recent)
              if #keep > 0 then
                redis.call('RPUSH', recent, unpack(keep))
                redis.call('PEXPIRE', recent, recentMs)
              end
            end
          end
          return before or '', fanoutCount, unpack(taken)
        end

        local function tag(now, key, recipients, recipient, fanoutMs, fanoutCap, newTag, ttlMs)
          local before = redis.call('GET', key)
          if newTag ~= '' then redis.call('SET', key, newTag, 'NX', 'PX', ttlMs) end
          local fanout = 0
          if recipient ~= '' then fanout = window(now, recipients, recipient, fanoutMs, fanoutCap) end
          return before or '', fanout
        end

        local function message(now, links, honey, link, burstMs, linksCap, hit, honeyMs)
          local count = 0
          if link ~= '' then count = window(now, links, link, burstMs, linksCap) end
          if hit == '1' then redis.call('SET', honey, now, 'PX', honeyMs) end
          local near = 0
          local at = redis.call('GET', honey)
          if at and (now - at) < tonumber(honeyMs) then near = 1 end -- as a window: at its end, out (as in process)
          return count, near
        end

        -- seen: a message's first sighting, set once; the time it holds.
        local function seen(now, key, ttlMs)
          if redis.call('SET', key, now, 'NX', 'PX', ttlMs) then return now end
          return redis.call('GET', key) or now
        end

        """;

    // The whole-plan script's layout (before the script, which is built from it): the steps in Step order, each with its keys and its arguments after ARGV[1] (now).
    private static readonly int[] _keyCounts = [AddressKeys, TagKeys, TagKeys, MessageKeys, WindowKeys, SeenKeys];
    private static readonly int[] _argCounts = [AddressArgs, TagArgs, TagArgs, MessageArgs, WindowArgs, SeenArgs];
    private static readonly int _planKeys = _keyCounts.Sum();
    private static readonly int _planArgs = 1 + _argCounts.Sum();
    private static readonly int[] _keyStarts = Starts(_keyCounts, first: 1);
    private static readonly int[] _argStarts = Starts(_argCounts, first: 2);

    private static readonly Step[] _steps = Enum.GetValues<Step>();

    // One entity's step as a script of its own, in Step order: KEYS are its keys, ARGV[1] the time and the rest its arguments.
    private static readonly RedisScript[] _entityScripts =
    [
        EntityScript("address", AddressKeys), EntityScript("tag", TagKeys), EntityScript("tag", TagKeys), EntityScript("message", MessageKeys),
        EntityScript("window", WindowKeys), EntityScript("seen", SeenKeys),
    ];

    // The whole plan: every step's keys and arguments at fixed places, an absent step's first key empty. It returns the
    // flat layout Read takes (Found), an absent step's places holding what an empty entity would find.
    private static readonly RedisScript _planScript = new(Steps + $$"""
        local now = ARGV[1]
        local out = {'', 0, '', 0, '', 0, 0, 0, 0}
        if KEYS[{{KeyAt(Step.Address)}}] ~= '' then
          local a = {address(now, {{KeysFrom(Step.Address, AddressKeys)}}, unpack(ARGV, {{ArgsFrom(Step.Address, AddressArgs)}}))}
          out[{{Found.AddressTag + 1}}], out[{{Found.AddressFanout + 1}}] = a[1], a[2]
          for i = 3, #a do out[{{Found.Taken}} + i - 2] = a[i] end
        end
        if KEYS[{{KeyAt(Step.Shape)}}] ~= '' then out[{{Found.ShapeTag + 1}}], out[{{Found.ShapeFanout + 1}}] = tag(now, {{KeysFrom(Step.Shape, TagKeys)}}, unpack(ARGV, {{ArgsFrom(Step.Shape, TagArgs)}})) end
        if KEYS[{{KeyAt(Step.Network)}}] ~= '' then out[{{Found.NetworkTag + 1}}] = tag(now, {{KeysFrom(Step.Network, TagKeys)}}, unpack(ARGV, {{ArgsFrom(Step.Network, TagArgs)}})) end
        if KEYS[{{KeyAt(Step.Message)}}] ~= '' then out[{{Found.Links + 1}}], out[{{Found.NearHoneypot + 1}}] = message(now, {{KeysFrom(Step.Message, MessageKeys)}}, unpack(ARGV, {{ArgsFrom(Step.Message, MessageArgs)}})) end
        if KEYS[{{KeyAt(Step.Domain)}}] ~= '' then out[{{Found.DomainRecipients + 1}}] = window(now, {{KeysFrom(Step.Domain, WindowKeys)}}, unpack(ARGV, {{ArgsFrom(Step.Domain, WindowArgs)}})) end
        if KEYS[{{KeyAt(Step.Seen)}}] ~= '' then out[{{Found.FirstSeen + 1}}] = seen(now, {{KeysFrom(Step.Seen, SeenKeys)}}, unpack(ARGV, {{ArgsFrom(Step.Seen, SeenArgs)}})) end
        return out
        """);

    // Where each finding sits in the flat reply (0-based; the script above writes them 1-based): the address's tag and
    // fan-out, the shape's tag and fan-out, the network's tag, the message's links and honeypot mark, the domain's
    // recipients, the first sighting, then the fold-back entries the address's new tag took, to the end.
    private static class Found
    {
        public const int AddressTag = 0, AddressFanout = 1, ShapeTag = 2, ShapeFanout = 3, NetworkTag = 4, Links = 5, NearHoneypot = 6,
            DomainRecipients = 7, FirstSeen = 8, Taken = 9;
    }

    private readonly IConnectionMultiplexer _redis;
    private readonly MemoryKeys _keys;
    private readonly StoreAnswers _answers;

    // Whether the servers are known to be one standalone Redis (whole-plan script) or not: unknown until a server has
    // answered, and again after the connection changes (a failover or a reconfiguration may change the topology).
    private volatile Topology _topology;

    /// <param name="answers">Where each answered round trip is counted, for the store probe (null: counted nowhere).</param>
    public RedisGatewayMemory(IConnectionMultiplexer redis, MemoryKeys keys, StoreAnswers? answers = null)
    {
        _redis = redis;
        _keys = keys;
        _answers = answers ?? new StoreAnswers();
        redis.ConnectionRestored += (_, _) => _topology = Topology.Unknown;
        redis.ConfigurationChanged += (_, _) => _topology = Topology.Unknown;
    }

    private enum Topology { Unknown, Standalone, Sharded }

    // The steps in the whole-plan script's layout.
    private enum Step { Address, Shape, Network, Message, Domain, Seen }

    public string Name => "redis";

    public async ValueTask<MemoryRecall> ObserveAsync(MemoryObservation o, CancellationToken cancellationToken)
    {
        var plan = StorePlan.Observe(o, _keys);
        return plan.Recall(await ExecuteAsync(plan).ConfigureAwait(false));
    }

    public async ValueTask<IReadOnlyList<FoldBackEvent>> RememberAsync(MemoryRemember r, CancellationToken cancellationToken)
    {
        var plan = StorePlan.Remember(r, _keys);
        var events = r.FoldBack.Concat(plan.FoldBack((await ExecuteAsync(plan).ConfigureAwait(false)).Taken, r.Tag.Reasons)).ToList();
        var db = _redis.GetDatabase();
        await Task.WhenAll(events.Select(e => db.StreamAddAsync(_keys.FoldBackStream,
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
        var entries = await _redis.GetDatabase().StreamRangeAsync(_keys.FoldBackStream, "-", "+", count, Order.Descending).ConfigureAwait(false);
        return entries.Select(ReadEvent).ToList();
    }

    /// <summary>A fold-back event as <see cref="RememberAsync"/> wrote it to the stream.</summary>
    public static FoldBackEvent ReadEvent(StreamEntry e) => new(
        (string)e["entity"]!,
        (string)e["reason"]!,
        DateTimeOffset.FromUnixTimeMilliseconds(long.Parse((string)e["taggedAt"]!, CultureInfo.InvariantCulture)),
        (string)e["trigger"]!,
        RecentRequest.ParseList((string)e["requests"]!));

    public async ValueTask<EntityLookup> LookupAsync(string entity, CancellationToken cancellationToken)
    {
        var key = _keys.Entity(entity);
        var batch = _redis.GetDatabase().CreateBatch(); // one round trip; the keys share the entity's slot
        var tag = batch.StringGetAsync(key + ":tag");
        var timeToLive = batch.KeyTimeToLiveAsync(key + ":tag");
        var recent = batch.ListRangeAsync(key + ":recent");
        batch.Execute();
        var stored = await tag.ConfigureAwait(false);
        var left = await timeToLive.ConfigureAwait(false);
        var requests = (await recent.ConfigureAwait(false)).Select(r => StoredRecent(r!)).OfType<RecentRequest>().ToList();
        return stored.IsNullOrEmpty
            ? new EntityLookup(null, TimeSpan.Zero, requests)
            : new EntityLookup(AddressTag.Parse(stored), left ?? TimeSpan.Zero, requests);
    }

    public async ValueTask<bool> ForgetTagAsync(string entity, CancellationToken cancellationToken) =>
        await _redis.GetDatabase().KeyDeleteAsync(_keys.Entity(entity) + ":tag").ConfigureAwait(false);

    public async ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken) =>
        await _redis.GetDatabase().StringSetAsync(_keys.UsedNonce(nonce), 1, ttl, When.NotExists).ConfigureAwait(false);

    public async ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        await _redis.GetDatabase().PingAsync().ConfigureAwait(false);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>Runs the plan in one round trip: one script on a standalone Redis, else one script per step in one batch.</summary>
    private async Task<StepResults> ExecuteAsync(StorePlan plan)
    {
        var now = (RedisValue)plan.Observation.Now.ToUnixTimeMilliseconds();
        var db = _redis.GetDatabase();
        if (IsStandalone())
        {
            // Every step at its fixed place; an absent one leaves its first key empty, which the script skips.
            var keys = new RedisKey[_planKeys];
            var args = new RedisValue[_planArgs];
            keys.AsSpan().Fill(string.Empty);
            args.AsSpan().Fill(RedisValue.EmptyString);
            args[0] = now;
            foreach (var step in _steps)
            {
                WriteStep(plan, step, keys.AsSpan(KeyAt(step) - 1, _keyCounts[(int)step]), args.AsSpan(ArgAt(step) - 1, _argCounts[(int)step]));
            }

            var reply = await _planScript.EvaluateAsync(db, db, keys, args).ConfigureAwait(false);
            _answers.Answered(0);
            return Read((RedisResult[])reply!);
        }

        var batch = db.CreateBatch();
        var pending = new Task<RedisResult>?[_steps.Length];
        var slots = new int[_steps.Length];
        foreach (var step in _steps)
        {
            var stepKeys = new RedisKey[_keyCounts[(int)step]];
            var stepArgs = new RedisValue[1 + _argCounts[(int)step]];
            stepArgs[0] = now;
            if (WriteStep(plan, step, stepKeys, stepArgs.AsSpan(1)))
            {
                pending[(int)step] = _entityScripts[(int)step].EvaluateAsync(batch, db, stepKeys, stepArgs);
                slots[(int)step] = _redis.HashSlot(stepKeys[0]);
            }
        }

        batch.Execute();
        try
        {
            await Task.WhenAll(pending.OfType<Task>()).ConfigureAwait(false);
        }
        finally
        {
            // Each master that answered, also when another did not: the probe judges each by its own answers.
            foreach (var step in _steps)
            {
                if (pending[(int)step] is { IsCompletedSuccessfully: true })
                {
                    _answers.Answered(slots[(int)step]);
                }
            }
        }

        // Each entity's values at their places in the whole plan's flat reply; an absent step's stay empty (found nothing).
        var address = Reply(Step.Address);
        var flat = new RedisResult[Found.Taken + Math.Max(0, address.Length - 2)];
        flat.AsSpan().Fill(RedisResult.Create(RedisValue.EmptyString));
        Place(address, Found.AddressTag, Found.AddressFanout);
        address.AsSpan(Math.Min(2, address.Length)).CopyTo(flat.AsSpan(Found.Taken));
        Place(Reply(Step.Shape), Found.ShapeTag, Found.ShapeFanout);
        Place(Reply(Step.Network), Found.NetworkTag);
        Place(Reply(Step.Message), Found.Links, Found.NearHoneypot);
        Place(Reply(Step.Domain), Found.DomainRecipients);
        Place(Reply(Step.Seen), Found.FirstSeen);
        return Read(flat);

        RedisResult[] Reply(Step step) => pending[(int)step] is { } reply ? (RedisResult[])reply.Result! : [];

        void Place(RedisResult[] values, params ReadOnlySpan<int> places)
        {
            for (var i = 0; i < Math.Min(values.Length, places.Length); i++)
            {
                flat[places[i]] = values[i];
            }
        }
    }

    /// <summary>Writes a step's keys and arguments (after "now"); false when the plan has no such step.</summary>
    private static bool WriteStep(StorePlan plan, Step step, Span<RedisKey> keys, Span<RedisValue> args)
    {
        switch (step)
        {
            case Step.Address when plan.Address is { } a:
                Write(a, plan.Observation.Behaviour.FanoutWindow, keys, args);
                return true;
            case Step.Shape when plan.Shape is { } s:
                Write(s.TagKey, s.NewTag, s.TagTtl, s.Fanout, keys, args);
                return true;
            case Step.Network when plan.Network is { } n:
                Write(n.TagKey, n.NewTag, n.TagTtl, null, keys, args);
                return true;
            case Step.Message when plan.Message is { } m:
                Write(m, keys, args);
                return true;
            case Step.Domain when plan.Domain is { } d:
                Write(d, keys, args);
                return true;
            case Step.Seen when plan.Seen is { } f:
                keys[0] = f.Key;
                args[0] = Milliseconds(f.Ttl);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Whether every server the multiplexer reaches is a standalone Redis, so that one script may touch keys of any slot. A
    /// cluster, a proxy in front of several servers, or a topology not yet known takes the per-entity path, which works on
    /// all of them.
    /// </summary>
    private bool IsStandalone()
    {
        if (_topology != Topology.Unknown)
        {
            return _topology == Topology.Standalone;
        }

        // From the servers that answered: a listed replica that is down must not keep every request on the per-entity path
        // (each script costs Redis more there). When it comes back, ConnectionRestored asks again.
        var connected = _redis.GetServers().Where(server => server.IsConnected).ToList();
        if (connected.Count == 0)
        {
            return false; // not settled yet: ask again on the next request
        }

        var standalone = connected.All(server => server.ServerType == ServerType.Standalone);
        _topology = standalone ? Topology.Standalone : Topology.Sharded;
        return standalone;
    }

    /// <param name="fanoutWindow">How long a recent entry that carries its recipient stands for its client's fan-out (the script's fanout).</param>
    private static void Write(AddressStep a, TimeSpan fanoutWindow, Span<RedisKey> keys, Span<RedisValue> args)
    {
        keys[0] = a.TagKey;
        keys[1] = a.RecentKey;
        keys[2] = a.Fanout?.Key ?? a.TagKey; // a script names every key it may touch; an unused one names its own entity
        Write(a.Fanout, args);
        args[3] = a.NewTag?.Serialize() ?? string.Empty;
        args[4] = Milliseconds(a.TagTtl);
        args[5] = a.Entry is { } entry ? entry.ToUtf8Json() : RedisValue.EmptyString;
        args[6] = Milliseconds(a.RecentWindow > fanoutWindow ? a.RecentWindow : fanoutWindow); // the list outlives neither use of it
        args[7] = a.RecentMax;
        args[8] = a.Client;
    }

    private static void Write(string tagKey, AddressTag? newTag, TimeSpan ttl, WindowCount? fanout, Span<RedisKey> keys, Span<RedisValue> args)
    {
        keys[0] = tagKey;
        keys[1] = fanout?.Key ?? tagKey;
        Write(fanout, args);
        args[3] = newTag?.Serialize() ?? string.Empty;
        args[4] = Milliseconds(ttl);
    }

    private static void Write(MessageStep m, Span<RedisKey> keys, Span<RedisValue> args)
    {
        keys[0] = m.Links?.Key ?? m.HoneyKey;
        keys[1] = m.HoneyKey;
        Write(m.Links, args);
        args[3] = m.Hit ? "1" : string.Empty;
        args[4] = Milliseconds(m.HoneyWindow);
    }

    private static void Write(WindowCount d, Span<RedisKey> keys, Span<RedisValue> args)
    {
        keys[0] = d.Key;
        Write((WindowCount?)d, args);
    }

    // A window's member, window and cap; an absent window is an empty member, which the step skips.
    private static void Write(WindowCount? window, Span<RedisValue> args)
    {
        args[0] = window?.Member ?? string.Empty;
        args[1] = Milliseconds(window?.Window);
        args[2] = window?.Cap ?? 0;
    }

    /// <summary>What the steps found, from the flat reply (<see cref="Found"/>).</summary>
    private static StepResults Read(RedisResult[] r) => new(
        AddressTag: IsEmpty(r[Found.AddressTag]) ? null : AddressTag.Parse((string?)r[Found.AddressTag]),
        AddressFanout: Count(r[Found.AddressFanout]),
        Taken: r.Length <= Found.Taken ? [] : r.Skip(Found.Taken).Select(t => StoredRecent((string)t!)).OfType<RecentRequest>().ToList(),
        ShapeTagged: !IsEmpty(r[Found.ShapeTag]),
        ShapeFanout: Count(r[Found.ShapeFanout]),
        NetworkTagged: !IsEmpty(r[Found.NetworkTag]),
        Links: Count(r[Found.Links]),
        NearHoneypot: Count(r[Found.NearHoneypot]) == 1,
        DomainRecipients: Count(r[Found.DomainRecipients]),
        FirstSeen: IsEmpty(r[Found.FirstSeen]) || !long.TryParse((string?)r[Found.FirstSeen], NumberStyles.None, CultureInfo.InvariantCulture, out var at) || at <= 0
            ? null
            : DateTimeOffset.FromUnixTimeMilliseconds(at));

    /// <summary>
    /// A recent request as the address step stores it: its JSON, after the recipient it carries when it was alone at its
    /// address (the script's fanout); null for what a carrying entry leaves behind when a tag's fold-back took it.
    /// </summary>
    internal static RecentRequest? StoredRecent(string stored)
    {
        var json = stored.LastIndexOf('\u001f') + 1;
        return json == 0 ? RecentRequest.Parse(stored) : json == stored.Length ? null : RecentRequest.Parse(stored[json..]);
    }

    // A count, where an absent step's place holds an empty string.
    private static int Count(RedisResult result) => IsEmpty(result) ? 0 : (int)result;

    private static RedisScript EntityScript(string step, int keyCount) =>
        new(Steps + $"return {{{step}(ARGV[1], {string.Join(", ", Enumerable.Range(1, keyCount).Select(i => $"KEYS[{i}]"))}, unpack(ARGV, 2))}}");

    /// <summary>The 1-based index in KEYS of a step's first key.</summary>
    private static int KeyAt(Step step) => _keyStarts[(int)step];

    /// <summary>The 1-based index in ARGV of a step's first argument.</summary>
    private static int ArgAt(Step step) => _argStarts[(int)step];

    // Where each step's run begins when the runs of the given lengths follow each other from the first index.
    private static int[] Starts(int[] counts, int first)
    {
        var starts = new int[counts.Length];
        for (var i = 0; i < counts.Length; i++)
        {
            starts[i] = i == 0 ? first : starts[i - 1] + counts[i - 1];
        }

        return starts;
    }

    private static string KeysFrom(Step step, int count) => string.Join(", ", Enumerable.Range(KeyAt(step), count).Select(i => $"KEYS[{i}]"));

    private static string ArgsFrom(Step step, int count) => $"{ArgAt(step)}, {ArgAt(step) + count - 1}";

    private static long Milliseconds(TimeSpan? span) => (long)(span?.TotalMilliseconds ?? 0);

    private static bool IsEmpty(RedisResult result) => result.IsNull || ((string?)result)?.Length is null or 0;
}
