using System.Net;

namespace LinkGateway.Memory;

/// <summary>
/// The gateway's memory of scanners, shared by every node. Two implementations behave the same (one
/// conformance suite runs against both): Redis for production and many nodes, in-process for a single
/// node and the demo.
/// </summary>
public interface IGatewayMemory
{
    /// <summary>"redis" or "in-process", for logs and readiness.</summary>
    string Name { get; }

    /// <summary>
    /// The one round trip of a request: records it against each of its entities (address, prefix,
    /// message/recipient, message/network, client shape), returns what each knew before, and, when the
    /// request is already a bot on stateless evidence (<see cref="MemoryObservation.NewTag"/>), tags it.
    /// </summary>
    ValueTask<MemoryRecall> ObserveAsync(MemoryObservation observation, CancellationToken cancellationToken);

    /// <summary>
    /// After the verdict, only when something newly became a scanner: tags what behaviour revealed and
    /// appends the fold-back events (those <see cref="ObserveAsync"/> took included). Returns the events written.
    /// </summary>
    ValueTask<IReadOnlyList<FoldBackEvent>> RememberAsync(MemoryRemember remember, CancellationToken cancellationToken);

    /// <summary>The newest fold-back events, newest first.</summary>
    ValueTask<IReadOnlyList<FoldBackEvent>> ReadFoldBackAsync(int count, CancellationToken cancellationToken);

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
