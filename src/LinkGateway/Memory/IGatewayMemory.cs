using System.Globalization;
using System.Net;

namespace LinkGateway.Memory;

/// <summary>
/// The gateway's memory of scanners, shared by every node. Two implementations behave the same (one
/// conformance suite runs against both): Redis for production and many nodes, in-process for a single
/// node and the demo. Every call is one round trip at most.
/// </summary>
public interface IGatewayMemory
{
    /// <summary>"redis" or "in-process", for logs and readiness.</summary>
    string Name { get; }

    /// <summary>
    /// Recalls what is known of the request's client and, in the same round trip, records what this
    /// request taught (a tag when its stateless verdict was already "bot").
    /// </summary>
    ValueTask<MemoryRecall> ObserveAsync(MemoryObservation observation, CancellationToken cancellationToken);

    /// <summary>The tag on an address and how long it has left; null when untagged.</summary>
    ValueTask<TagLookup?> LookupTagAsync(IPAddress address, CancellationToken cancellationToken);

    /// <summary>Removes a tag (a false positive); true when there was one.</summary>
    ValueTask<bool> ForgetTagAsync(IPAddress address, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a single-use value (a pass token's nonce) as used; true only for the first caller, on
    /// every node. The mark expires with the token it belongs to.
    /// </summary>
    ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Round-trip time to the store; throws when it does not answer.</summary>
    ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken);
}

/// <summary>What one request tells the memory.</summary>
/// <param name="ClientAddress">The client, after trusted proxies; null when unknown.</param>
/// <param name="NewTag">The tag to set on the client address, or null.</param>
/// <param name="TagTtl">How long a new tag lives.</param>
public readonly record struct MemoryObservation(IPAddress? ClientAddress, AddressTag? NewTag, TimeSpan TagTtl);

/// <summary>What the memory knew before this request.</summary>
public readonly record struct MemoryRecall(AddressTag? ExistingTag);

/// <summary>A tag with the time it has left.</summary>
public sealed record TagLookup(AddressTag Tag, TimeSpan TimeToLive);

/// <summary>Why an address was tagged: the verdict that tagged it and when.</summary>
public sealed record AddressTag(int Score, string Reasons, DateTimeOffset TaggedAt)
{
    /// <summary>Stored form "score|unix-seconds|reasons": small, and readable in redis-cli.</summary>
    public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"{Score}|{TaggedAt.ToUnixTimeSeconds()}|{Reasons}");

    public static AddressTag? Parse(string? stored)
    {
        if (stored is null)
        {
            return null;
        }

        var parts = stored.Split('|', 3);
        if (parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return new AddressTag(score, parts[2], DateTimeOffset.FromUnixTimeSeconds(seconds));
        }

        // Written by something else: still a tag, reasons unknown.
        return new AddressTag(0, string.Empty, DateTimeOffset.UnixEpoch);
    }
}
