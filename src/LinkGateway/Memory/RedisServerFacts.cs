using System.Globalization;

namespace LinkGateway.Memory;

/// <summary>
/// What a Redis server says of itself in <c>INFO</c> that the gateway acts on: how often it passes over expired keys
/// (<see cref="Hz"/>), and how much memory it may use and what it does when that is full (<see cref="MaxMemory"/>,
/// <see cref="EvictionPolicy"/>). Null where it does not say, or says something that is not a value of its kind.
/// </summary>
public sealed record RedisServerFacts(int? Hz, long? MaxMemory, string? EvictionPolicy)
{
    /// <summary>
    /// INFO's <c>role</c> says <c>slave</c>: a replica, which refuses every write (a master left behind by a failover, or an
    /// address that now points at a replica). It answers the probe's <c>return 1</c>, while every script of the gateway's fails.
    /// </summary>
    public bool IsReplica { get; init; }

    /// <summary>Reads the facts from <c>INFO</c>'s text (lines of <c>name:value</c>).</summary>
    public static RedisServerFacts Read(string info)
    {
        var fields = info.Split("\r\n").Select(line => line.Split(':', 2)).Where(f => f.Length == 2).ToLookup(f => f[0], f => f[1]);
        // "configured_hz" is what the operator set; "hz" may be raised for a while by Redis itself (dynamic-hz), and is all
        // that a Redis before 5.0 says.
        var hz = fields["configured_hz"].Concat(fields["hz"]).Select(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .FirstOrDefault(n => n > 0);
        long? maxMemory = fields["maxmemory"].FirstOrDefault() is { } limit && long.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes)
            ? bytes
            : null;
        var policy = fields["maxmemory_policy"].FirstOrDefault() is { Length: > 0 and <= 32 } named && named.All(c => char.IsAsciiLetterLower(c) || c == '-') ? named : null;
        return new RedisServerFacts(hz > 0 ? hz : null, maxMemory, policy) { IsReplica = fields["role"].FirstOrDefault() == "slave" };
    }

    /// <summary>
    /// What Redis will do to the gateway's keys when it is full, when that is harmful; null when it evicts only keys with a
    /// time to live (<c>volatile-*</c>), as deploy.md asks, or says nothing of it. Every key the gateway writes per request
    /// has a time to live; the shared key ring and the fold-back stream have none.
    /// </summary>
    public string? MemoryProblem => (MaxMemory, EvictionPolicy) switch
    {
        (null, _) => null,
        (0, _) => "has no memory limit (maxmemory 0): clients can make the gateway keep keys (made-up message ids, windows), and a flood "
            + "grows Redis until the host runs out of memory; set maxmemory, with maxmemory-policy volatile-lru",
        (_, "noeviction") => $"refuses writes once it holds {Megabytes} (maxmemory-policy noeviction): then the gateway's round trips that "
            + "begin with a write Redis refuses fail and its verdicts go stateless, and those that begin with one it never refuses (a window's "
            + "expiry) write on past the limit, so a flood still grows Redis; set maxmemory-policy volatile-lru",
        (_, { } policy) when policy.StartsWith("allkeys-", StringComparison.Ordinal) =>
            $"evicts any key once it holds {Megabytes} (maxmemory-policy {policy}): the shared key ring and the fold-back stream too, which "
            + "have no time to live; set maxmemory-policy volatile-lru",
        _ => null,
    };

    private string Megabytes => string.Create(CultureInfo.InvariantCulture, $"{MaxMemory / (1024.0 * 1024):0.#} MB");
}
