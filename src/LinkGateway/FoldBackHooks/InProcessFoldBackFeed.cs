using System.Globalization;
using LinkGateway.Memory;

namespace LinkGateway.FoldBackHooks;

/// <summary>
/// The in-process store's fold-back list read in order with a cursor: the list is the bounded queue (at most as many
/// events as the Redis stream keeps, and its share of <c>Memory:InProcessMaxBytes</c>), so a receiver that is away
/// costs no memory beyond it; what it drops before it is sent is counted as lost. Nothing survives a restart.
/// </summary>
public sealed class InProcessFoldBackFeed(InProcessGatewayMemory memory) : IFoldBackFeed
{
    private long _cursor;
    private long _lost;
    private long _inFlight;

    public Task<IReadOnlyList<FoldBackDelivery>> TakeAsync(int count, CancellationToken cancellationToken)
    {
        var taken = memory.FoldBackAfter(_cursor, count);
        if (taken.Count > 0)
        {
            _lost += taken[0].Sequence - _cursor - 1; // dropped by the bound before they were read
            _cursor = taken[^1].Sequence;
            Interlocked.Add(ref _inFlight, taken.Count);
        }

        return Task.FromResult<IReadOnlyList<FoldBackDelivery>>(
            taken.Select(t => new FoldBackDelivery(t.Sequence.ToString(CultureInfo.InvariantCulture), t.Event)).ToList());
    }

    public Task DoneAsync(FoldBackDelivery delivery, CancellationToken cancellationToken)
    {
        Interlocked.Decrement(ref _inFlight);
        return Task.CompletedTask;
    }

    public Task<bool> KeepAsync(FoldBackDelivery delivery, CancellationToken cancellationToken) => Task.FromResult(true);

    public Task<long?> PendingAsync(CancellationToken cancellationToken) =>
        Task.FromResult<long?>(Interlocked.Read(ref _inFlight) + memory.FoldBackCountAfter(_cursor));

    public Task LeaveAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public long TakeLost() => Interlocked.Exchange(ref _lost, 0);
}
