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

    /// <summary>
    /// What the memory holds on an address or a prefix (<see cref="MemoryKeys.AddressEntity"/>,
    /// <see cref="MemoryKeys.NetworkEntity"/>): its tag and how long it has left, and its recent requests that went
    /// to the origin as human (kept for fold-back), newest first.
    /// </summary>
    ValueTask<EntityLookup> LookupAsync(string entity, CancellationToken cancellationToken);

    /// <summary>Removes the tag of an address or a prefix (a false positive); true when there was one.</summary>
    ValueTask<bool> ForgetTagAsync(string entity, CancellationToken cancellationToken);

    /// <summary>
    /// Marks a single-use value (a pass token's nonce) as used; true only for the first caller, on
    /// every node. The mark expires with the token it belongs to.
    /// </summary>
    ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken);

    /// <summary>Round-trip time to the store; throws when it does not answer.</summary>
    ValueTask<TimeSpan> PingAsync(CancellationToken cancellationToken);
}
