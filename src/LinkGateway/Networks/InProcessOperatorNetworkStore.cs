using System.Collections.Concurrent;

namespace LinkGateway.Networks;

/// <summary>The lists of a single node (no Redis): kept in the process, lost on restart.</summary>
public sealed class InProcessOperatorNetworkStore : IOperatorNetworkStore
{
    private readonly ConcurrentDictionary<string, OperatorNetwork> _entries = new(StringComparer.Ordinal);
    private event Action? Changed;

    public Task<IReadOnlyList<OperatorNetwork>> ReadAllAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<OperatorNetwork>>(_entries.Values.ToList());

    public Task SetAsync(OperatorNetwork entry, CancellationToken cancellationToken)
    {
        _entries[entry.Network] = entry;
        Changed?.Invoke();
        return Task.CompletedTask;
    }

    public Task<bool> RemoveAsync(string network, CancellationToken cancellationToken)
    {
        var removed = _entries.TryRemove(network, out _);
        Changed?.Invoke();
        return Task.FromResult(removed);
    }

    public Task SubscribeAsync(Action changed, CancellationToken cancellationToken)
    {
        Changed += changed;
        return Task.CompletedTask;
    }
}
