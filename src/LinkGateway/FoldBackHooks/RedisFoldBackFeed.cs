using LinkGateway.Memory;
using StackExchange.Redis;

namespace LinkGateway.FoldBackHooks;

/// <summary>
/// The stream <c>lg:{events}:foldback</c> read through the consumer group <see cref="Group"/>: each event goes to one
/// node (XREADGROUP), is acknowledged only once it was delivered or given up (XACK), and what a node read and never
/// acknowledged (it died) is taken over by another after <see cref="FoldBackWebhookOptions.ClaimAfter"/> (XAUTOCLAIM).
/// The stream's own cap (MAXLEN ~ 10,000) bounds what waits while the receiver is away.
/// </summary>
public sealed class RedisFoldBackFeed(IConnectionMultiplexer redis, MemoryKeys keys, FoldBackWebhookOptions options) : IFoldBackFeed
{
    public const string Group = "webhook";

    // One consumer per process: a restarted node is a new consumer, and its predecessor's unacknowledged events are claimed.
    private readonly string _consumer = $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid():N}";
    private bool _groupExists;
    private bool _hadGroup;
    private long _unreadable;

    public string Consumer => _consumer;

    public async Task<IReadOnlyList<FoldBackDelivery>> TakeAsync(int count, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        await EnsureGroupAsync(db).ConfigureAwait(false);
        var entries = await Guarded(async () =>
        {
            var claimed = await db.StreamAutoClaimAsync(keys.FoldBackStream, Group, _consumer, (long)options.ClaimAfter.TotalMilliseconds, "0-0", count)
                .ConfigureAwait(false);
            var taken = claimed.ClaimedEntries.Where(e => !e.IsNull).ToList();
            if (taken.Count < count)
            {
                taken.AddRange(await db.StreamReadGroupAsync(keys.FoldBackStream, Group, _consumer, StreamPosition.NewMessages, count - taken.Count)
                    .ConfigureAwait(false));
            }

            return taken;
        }).ConfigureAwait(false);

        var deliveries = new List<FoldBackDelivery>(entries.Count);
        foreach (var entry in entries)
        {
            if (TryRead(entry) is { } e)
            {
                deliveries.Add(new FoldBackDelivery(entry.Id!, e));
            }
            else
            {
                // Written by something else: it can never be sent, so it is acknowledged at once rather than claimed forever.
                await db.StreamAcknowledgeAsync(keys.FoldBackStream, Group, entry.Id).ConfigureAwait(false);
                Interlocked.Increment(ref _unreadable);
            }
        }

        return deliveries;
    }

    private static FoldBackEvent? TryRead(StreamEntry entry)
    {
        try
        {
            return RedisGatewayMemory.ReadEvent(entry);
        }
        catch (Exception e) when (e is FormatException or OverflowException or ArgumentException or System.Text.Json.JsonException or InvalidCastException)
        {
            return null;
        }
    }

    public Task DoneAsync(FoldBackDelivery delivery, CancellationToken cancellationToken) =>
        Guarded(() => redis.GetDatabase().StreamAcknowledgeAsync(keys.FoldBackStream, Group, delivery.Id));

    /// <summary>
    /// A command on the group; when the group is gone (a Redis restarted without persistence, the stream evicted: NOGROUP),
    /// the next round creates it again, from the stream's start, so what was written meanwhile is still sent.
    /// </summary>
    private async Task<T> Guarded<T>(Func<Task<T>> command)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
        {
            _groupExists = false;
            throw;
        }
    }

    // Still this consumer's (XPENDING for the one entry): then XCLAIM to itself resets the entry's idle time, which is what
    // XAUTOCLAIM on other nodes looks at. An entry another node claimed while it waited here is that node's to send.
    public Task<bool> KeepAsync(FoldBackDelivery delivery, CancellationToken cancellationToken)
    {
        var db = redis.GetDatabase();
        return Guarded(async () =>
        {
            var mine = await db.StreamPendingMessagesAsync(keys.FoldBackStream, Group, 1, _consumer, delivery.Id, delivery.Id).ConfigureAwait(false);
            if (mine.Length == 0)
            {
                return false;
            }

            await db.StreamClaimIdsOnlyAsync(keys.FoldBackStream, Group, _consumer, 0, [delivery.Id]).ConfigureAwait(false);
            return true;
        });
    }

    public async Task<long?> PendingAsync(CancellationToken cancellationToken)
    {
        var groups = await redis.GetDatabase().StreamGroupInfoAsync(keys.FoldBackStream).ConfigureAwait(false);
        return groups.FirstOrDefault(g => g.Name == Group) is { Name: not null } group ? group.PendingMessageCount + (group.Lag ?? 0) : null;
    }

    public long TakeLost() => Interlocked.Exchange(ref _unreadable, 0);

    // Every start is a new consumer: without this the group would list one per restart. XGROUP DELCONSUMER drops the
    // consumer's pending entries with it, so a consumer that still holds some stays, for XAUTOCLAIM to empty.
    public async Task LeaveAsync(CancellationToken cancellationToken)
    {
        if (!_groupExists)
        {
            return;
        }

        var db = redis.GetDatabase();
        var consumers = await db.StreamConsumerInfoAsync(keys.FoldBackStream, Group).ConfigureAwait(false);
        if (consumers.Any(c => c.Name == _consumer && c.PendingMessageCount == 0))
        {
            await db.StreamDeleteConsumerAsync(keys.FoldBackStream, Group, _consumer).ConfigureAwait(false);
        }
    }

    private async Task EnsureGroupAsync(IDatabase db)
    {
        if (_groupExists)
        {
            return;
        }

        try
        {
            // From "now" on the first node that starts with a webhook: the events before it stay in the stream, unsent. A group
            // this node had and lost starts from the stream's start: its events came after the webhook was turned on.
            await db.StreamCreateConsumerGroupAsync(keys.FoldBackStream, Group, _hadGroup ? "0-0" : StreamPosition.NewMessages, createStream: true)
                .ConfigureAwait(false);
        }
        catch (RedisServerException e) when (e.Message.StartsWith("BUSYGROUP", StringComparison.Ordinal))
        {
            // Another node, or an earlier run, created it.
        }

        _groupExists = true;
        _hadGroup = true;
    }
}
