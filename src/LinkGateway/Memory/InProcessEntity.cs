namespace LinkGateway.Memory;

/// <summary>
/// One entity of the in-process store (an address, a prefix, a message/recipient, a message/network, a
/// client shape or a single-use mark): the parts Redis keeps under the entity's keys, each with its own
/// expiry as a Redis key has, and an estimate of the bytes it holds, kept up to date by every change so
/// that <see cref="InProcessTable"/> can bound the store in bytes without measuring anything.
/// Every member is used under <see cref="Gate"/>, taken by the table, as a Redis script runs alone.
/// </summary>
internal sealed class InProcessEntity
{
    // Estimated bytes on a 64-bit runtime (object header 16, references 8, strings 22 + 2 per char,
    // everything aligned to 8), checked against the measured heap by InProcessTableTests.
    // The entity itself, its Lock, its ConcurrentDictionary node and bucket.
    private const int EntityBytes = 240;
    private const int MembersBytes = 200; // the Dictionary and its two arrays, empty
    private const int MemberBytes = 40; // an entry (hash, next, key, value) and its bucket, with the arrays' spare room
    private const int RecentListBytes = 64; // the List and its array, empty
    private const int RecentEntryBytes = 8 + 80; // a slot of the array, and the RecentRequest
    private const int TagBytes = 48; // the AddressTag

    private Dictionary<string, long>? _members; // member → when it was last seen (UTC ticks)
    private long _membersExpire;
    private List<RecentRequest>? _recent; // newest first
    private long _recentExpire;
    private AddressTag? _tag;
    private long _tagExpire;
    private long _honeypotAt;
    private long _honeypotExpire;
    private long _markExpire;
    private long _lastUsed;
    private long _expires;

    public InProcessEntity(string key)
    {
        Key = key;
        Bytes = EntityBytes + StringBytes(key);
    }

    public string Key { get; }

    public Lock Gate { get; } = new();

    /// <summary>What this entity holds, estimated.</summary>
    public long Bytes { get; private set; }

    /// <summary>What the table has counted for it so far; the table's to keep.</summary>
    public long Charged { get; set; }

    /// <summary>Evicted: the table no longer holds it, and nothing may change it any more.</summary>
    public bool Removed { get; set; }

    /// <summary>A single-use mark: evicted only after every other entity, since losing it would let its pass act twice.</summary>
    public bool SingleUse { get; private set; }

    /// <summary>When it was last changed (UTC ticks), for eviction oldest first; read by the table without the lock.</summary>
    public long LastUsed => Volatile.Read(ref _lastUsed);

    /// <summary>When every part has expired (UTC ticks); read by the table without the lock.</summary>
    public long Expires => Volatile.Read(ref _expires);

    /// <summary>Before a change: drops the parts that have expired, as Redis would have dropped their keys.</summary>
    public void ForgetExpired(DateTimeOffset now)
    {
        var ticks = now.UtcTicks;
        if (_members is not null && _membersExpire <= ticks)
        {
            Bytes -= MembersBytes + _members.Keys.Sum(m => MemberBytes + StringBytes(m));
            _members = null;
        }

        if (_recent is not null && _recentExpire <= ticks)
        {
            Bytes -= RecentListBytes + _recent.Sum(RecentBytes);
            _recent = null;
        }

        if (_tag is not null && _tagExpire <= ticks)
        {
            ClearTag();
        }

        if (_honeypotExpire <= ticks)
        {
            _honeypotExpire = 0;
        }

        if (_markExpire <= ticks)
        {
            _markExpire = 0;
        }
    }

    /// <summary>After a change: it was used now, and lives until its last part expires.</summary>
    public void Touched(DateTimeOffset now)
    {
        Volatile.Write(ref _lastUsed, now.UtcTicks);
        var expires = Math.Max(Math.Max(_members is null ? 0 : _membersExpire, _recent is null ? 0 : _recentExpire),
            Math.Max(Math.Max(_tag is null ? 0 : _tagExpire, _honeypotExpire), _markExpire));
        Volatile.Write(ref _expires, expires);
    }

    public AddressTag? Tag(DateTimeOffset now) => _tag is not null && _tagExpire > now.UtcTicks ? _tag : null;

    public TimeSpan TagTimeToLive(DateTimeOffset now) => Tag(now) is null ? TimeSpan.Zero : TimeSpan.FromTicks(_tagExpire - now.UtcTicks);

    /// <summary>SET NX PX: sets the tag only when there is none; true when it did.</summary>
    public bool SetTagOnce(AddressTag tag, DateTimeOffset now, TimeSpan ttl)
    {
        if (Tag(now) is not null)
        {
            return false;
        }

        ClearTag();
        _tag = tag;
        _tagExpire = (now + ttl).UtcTicks;
        Bytes += TagBytes + StringBytes(tag.Reasons);
        return true;
    }

    /// <summary>SET NX PX of a single-use mark (a pass's nonce): true when there was no live mark, and now there is one.</summary>
    public bool TryMark(DateTimeOffset now, TimeSpan ttl)
    {
        if (_markExpire > now.UtcTicks)
        {
            return false;
        }

        _markExpire = (now + ttl).UtcTicks;
        SingleUse = true;
        return true;
    }

    /// <summary>DEL of the tag; true when there was a live one.</summary>
    public bool ForgetTag(DateTimeOffset now)
    {
        var had = Tag(now) is not null;
        ClearTag();
        return had;
    }

    /// <summary>
    /// ZADD, ZREMRANGEBYSCORE of what left the window, past the cap ZREMRANGEBYRANK of the oldest,
    /// PEXPIRE the window, ZCARD: the window-set fragment of the Redis scripts.
    /// </summary>
    public int AddMember(string member, DateTimeOffset now, TimeSpan window, int cap)
    {
        if (_members is null)
        {
            _members = new Dictionary<string, long>(StringComparer.Ordinal);
            Bytes += MembersBytes;
        }

        if (_members.TryAdd(member, now.UtcTicks))
        {
            Bytes += MemberBytes + StringBytes(member);
        }
        else
        {
            _members[member] = now.UtcTicks;
        }

        var oldest = (now - window).UtcTicks;
        foreach (var (key, seen) in _members)
        {
            if (seen <= oldest)
            {
                RemoveMember(key); // removing while enumerating is allowed for Dictionary since .NET Core 3.0
            }
        }

        while (_members.Count > cap)
        {
            RemoveMember(_members.MinBy(m => m.Value).Key);
        }

        _membersExpire = (now + window).UtcTicks;
        return _members.Count;
    }

    /// <summary>LPUSH, LTRIM to <paramref name="max"/>, PEXPIRE the window; what left the window goes too.</summary>
    public void PushRecent(RecentRequest entry, DateTimeOffset now, TimeSpan window, int max)
    {
        if (_recent is null)
        {
            _recent = [];
            Bytes += RecentListBytes;
        }

        for (var i = _recent.Count - 1; i >= 0 && (_recent[i].At < now - window || _recent.Count >= max); i--)
        {
            Bytes -= RecentBytes(_recent[i]);
            _recent.RemoveAt(i); // the oldest are at the end
        }

        _recent.Insert(0, entry);
        Bytes += RecentBytes(entry);
        _recentExpire = (now + window).UtcTicks;
    }

    /// <summary>Hands back one client's recent requests and keeps the others': what the Lua twin does with LRANGE, DEL, RPUSH.</summary>
    public List<RecentRequest> TakeRecentOf(string client)
    {
        if (_recent is null)
        {
            return [];
        }

        var taken = _recent.Where(r => r.Client == client).ToList();
        foreach (var entry in taken)
        {
            _recent.Remove(entry);
            Bytes -= RecentBytes(entry);
        }

        return taken;
    }

    public IReadOnlyList<RecentRequest> Recent => _recent is null ? [] : [.. _recent];

    /// <summary>
    /// SET NX PX then GET: the time first stamped while it lives, else <paramref name="now"/>, stamped. A message's first
    /// sighting uses the honeypot mark's fields, on an entity of its own.
    /// </summary>
    public DateTimeOffset StampOnce(DateTimeOffset now, TimeSpan ttl)
    {
        if (_honeypotExpire <= now.UtcTicks)
        {
            _honeypotAt = now.UtcTicks;
            _honeypotExpire = (now + ttl).UtcTicks;
        }

        return new DateTimeOffset(_honeypotAt, TimeSpan.Zero);
    }

    /// <summary>SET of the hit time, PX the honeypot window.</summary>
    public void MarkHoneypot(DateTimeOffset now, TimeSpan window)
    {
        _honeypotAt = now.UtcTicks;
        _honeypotExpire = (now + window).UtcTicks;
    }

    /// <summary>A honeypot hit within the window of <paramref name="now"/>.</summary>
    public bool NearHoneypot(DateTimeOffset now, TimeSpan window) =>
        _honeypotExpire > 0 && now.UtcTicks - _honeypotAt < window.Ticks;

    /// <summary>Estimated bytes of a recent request held in a list (its strings counted as its own).</summary>
    public static long RecentBytes(RecentRequest entry) =>
        RecentEntryBytes + StringBytes(entry.RequestId) + StringBytes(entry.MessageId) + StringBytes(entry.RecipientId) + StringBytes(entry.LinkId)
        + StringBytes(entry.Client);

    /// <summary>A .NET string: header, length, UTF-16 characters and a terminator, aligned to 8.</summary>
    public static long StringBytes(string? text) => text is null ? 0 : (22 + (2L * text.Length) + 7) & ~7L;

    private void RemoveMember(string member)
    {
        _members!.Remove(member);
        Bytes -= MemberBytes + StringBytes(member);
    }

    private void ClearTag()
    {
        if (_tag is not null)
        {
            Bytes -= TagBytes + StringBytes(_tag.Reasons);
            _tag = null;
        }
    }
}
