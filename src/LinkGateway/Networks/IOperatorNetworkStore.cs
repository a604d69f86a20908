namespace LinkGateway.Networks;

/// <summary>
/// Where runtime allow/deny networks live: Redis when the gateway has it (every node reads the same hash and
/// hears changes on a channel), else in the process. Unlike the behavioural memory, entries do not expire:
/// they are configuration an operator set and removes.
/// </summary>
public interface IOperatorNetworkStore
{
    Task<IReadOnlyList<OperatorNetwork>> ReadAllAsync(CancellationToken cancellationToken);

    /// <summary>Adds or replaces the entry for its network and tells every node.</summary>
    Task SetAsync(OperatorNetwork entry, CancellationToken cancellationToken);

    /// <summary>Removes the entry for a network and tells every node; true when there was one.</summary>
    Task<bool> RemoveAsync(string network, CancellationToken cancellationToken);

    /// <summary>Calls <paramref name="changed"/> whenever any node changed the lists.</summary>
    Task SubscribeAsync(Action changed, CancellationToken cancellationToken);
}
