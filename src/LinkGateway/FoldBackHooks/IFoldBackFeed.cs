using LinkGateway.Memory;

namespace LinkGateway.FoldBackHooks;

/// <summary>
/// Where the webhook takes its events from: the Redis stream through a consumer group shared by every node, or the
/// in-process store's own bounded list. An event taken is this node's until it is <see cref="DoneAsync">done</see>.
/// </summary>
public interface IFoldBackFeed
{
    /// <summary>
    /// Up to <paramref name="count"/> events for this node: with Redis, first those another node took and left (it died),
    /// then new ones. An empty list when there is nothing.
    /// </summary>
    Task<IReadOnlyList<FoldBackDelivery>> TakeAsync(int count, CancellationToken cancellationToken);

    /// <summary>The event was delivered, or given up: nobody sends it again (XACK).</summary>
    Task DoneAsync(FoldBackDelivery delivery, CancellationToken cancellationToken);

    /// <summary>
    /// This node is still on it (before each attempt): no other node takes it over meanwhile. False when another node took it
    /// over already (it waited here longer than ClaimAfter): then that node sends it, and this one must not.
    /// </summary>
    Task<bool> KeepAsync(FoldBackDelivery delivery, CancellationToken cancellationToken);

    /// <summary>Events written and not yet done, this node's and others' (with Redis: the whole group's); null when unknown.</summary>
    Task<long?> PendingAsync(CancellationToken cancellationToken);

    /// <summary>The node stops: with Redis its consumer leaves the group when it holds nothing (what it holds stays for another node to claim).</summary>
    Task LeaveAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Events dropped without being sent: the in-process list overflowed before they were taken, or a stream entry was not
    /// a fold-back event. Read once, then zero.
    /// </summary>
    long TakeLost();
}

/// <param name="Id">The stream entry id, or the in-process sequence number.</param>
/// <param name="Event">The event.</param>
public sealed record FoldBackDelivery(string Id, FoldBackEvent Event);
