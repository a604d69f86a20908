namespace LinkGateway.FoldBackHooks;

/// <summary>
/// Sends fold-back events to the webhook, at least once: an event is done (acknowledged in the stream) only after a 2xx,
/// or when it is given up (the receiver refused it, or <see cref="FoldBackWebhookOptions.MaxAttempts"/> ran out). A failed
/// POST is tried again after an exponential delay (<see cref="FoldBackWebhookOptions.FirstRetryDelay"/> doubling up to
/// <see cref="FoldBackWebhookOptions.MaxRetryDelay"/>, or the receiver's Retry-After within that cap) with jitter, so
/// nodes that lost the receiver together do not return to it together. A node holds at most
/// <see cref="FoldBackWebhookOptions.MaxInFlight"/> events; the rest wait in the stream (or the in-process list).
/// </summary>
public sealed partial class FoldBackWebhookDelivery(IFoldBackFeed feed, FoldBackWebhookSender sender, FoldBackWebhookMetrics metrics,
    FoldBackWebhookOptions options, TimeProvider time, ILogger<FoldBackWebhookDelivery> logger) : BackgroundService
{
    private static readonly TimeSpan _pendingEvery = TimeSpan.FromSeconds(1);

    // The events this node holds, with their attempts so far and when the next is due.
    private readonly List<InFlight> _inFlight = [];
    private DateTimeOffset _pendingAt = DateTimeOffset.MinValue;
    private bool _feedFailing;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stoppingToken).ConfigureAwait(false);
                _feedFailing = false;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The store is away (the events wait in it), or something unforeseen: this node tries again on its next round.
                // A delivery problem must never stop the gateway, which a BackgroundService's exception would.
                if (!_feedFailing)
                {
                    Log.FeedFailed(logger, e.Message);
                    _feedFailing = true;
                }
            }

            await Task.Delay(NextWake(), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await feed.LeaveAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            Log.FeedFailed(logger, e.Message); // the consumer stays listed; harmless
        }
    }

    /// <summary>One pass: take what there is room for, send what is due, report what waits.</summary>
    private async Task RoundAsync(CancellationToken cancellationToken)
    {
        if (_inFlight.Count < options.MaxInFlight)
        {
            var known = _inFlight.Select(f => f.Delivery.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var delivery in await feed.TakeAsync(options.MaxInFlight - _inFlight.Count, cancellationToken).ConfigureAwait(false))
            {
                if (known.Add(delivery.Id))
                {
                    _inFlight.Add(new InFlight(delivery, FoldBackWebhookMessage.Of(delivery.Event)));
                }
            }
        }

        if (feed.TakeLost() is > 0 and var lost)
        {
            metrics.Failed("lost", lost);
            Log.Lost(logger, lost);
        }

        // The due events are POSTed together (at most MaxInFlight of them): one after another, a receiver that accepts and
        // never answers would make a round last MaxInFlight × Timeout, past ClaimAfter, and other nodes would take the events
        // over. Their outcomes are settled one by one afterwards, since _inFlight is this loop's alone.
        var now = time.GetUtcNow();
        var due = _inFlight.Where(f => f.DueAt <= now).ToList();
        var attempts = due.Select(item => AttemptAsync(item, cancellationToken)).ToList();
        await Task.WhenAll(attempts).ContinueWith(_ => { }, TaskScheduler.Default).ConfigureAwait(false);
        for (var i = 0; i < due.Count; i++)
        {
            if (attempts[i].IsCompletedSuccessfully)
            {
                await SettleAsync(due[i], attempts[i].Result, cancellationToken).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(attempts).ConfigureAwait(false); // a failed attempt (the store away) fails the round, once the others are settled

        if (time.GetUtcNow() - _pendingAt >= _pendingEvery)
        {
            _pendingAt = time.GetUtcNow();
            metrics.Pending(await feed.PendingAsync(cancellationToken).ConfigureAwait(false) ?? _inFlight.Count);
        }
    }

    /// <returns>What the POST came to; null when the event is no longer this node's.</returns>
    private async Task<(WebhookOutcome Outcome, int? Status, TimeSpan? RetryAfter)?> AttemptAsync(InFlight item, CancellationToken cancellationToken)
    {
        // Every attempt, the first too: an event may wait here through retries and a store outage, and one that waited past
        // ClaimAfter may have been taken over by another node, which sends it; sending it here as well would double it.
        if (!await feed.KeepAsync(item.Delivery, cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        item.Attempts++;
        return await sender.PostAsync(item.Message, cancellationToken).ConfigureAwait(false);
    }

    private async Task SettleAsync(InFlight item, (WebhookOutcome Outcome, int? Status, TimeSpan? RetryAfter)? attempt, CancellationToken cancellationToken)
    {
        if (attempt is not { } answered)
        {
            _inFlight.Remove(item);
            return;
        }

        var (outcome, status, retryAfter) = answered;
        switch (outcome)
        {
            case WebhookOutcome.Delivered:
                await DoneAsync(item, cancellationToken).ConfigureAwait(false);
                metrics.Delivered();
                break;
            case WebhookOutcome.Rejected:
                Log.Rejected(logger, item.Message.IdempotencyKey, status ?? 0);
                await DoneAsync(item, cancellationToken).ConfigureAwait(false);
                metrics.Failed("rejected");
                break;
            case WebhookOutcome.Retry when item.Attempts >= options.MaxAttempts:
                Log.Exhausted(logger, item.Message.IdempotencyKey, item.Attempts);
                await DoneAsync(item, cancellationToken).ConfigureAwait(false);
                metrics.Failed("exhausted");
                break;
            default:
                if (item.Attempts == 1)
                {
                    Log.Retrying(logger, item.Message.IdempotencyKey, status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "no answer");
                }

                item.DueAt = time.GetUtcNow() + options.RetryDelay(item.Attempts, retryAfter, Random.Shared.NextDouble());
                metrics.Retried();
                break;
        }
    }

    private async Task DoneAsync(InFlight item, CancellationToken cancellationToken)
    {
        await feed.DoneAsync(item.Delivery, cancellationToken).ConfigureAwait(false);
        _inFlight.Remove(item);
    }

    /// <summary>When the next retry is due, or a poll, whichever is sooner.</summary>
    private TimeSpan NextWake()
    {
        var wake = options.PollInterval;
        var now = time.GetUtcNow();
        foreach (var item in _inFlight)
        {
            var wait = item.DueAt - now;
            wake = wait < wake ? wait : wake;
        }

        return wake < TimeSpan.Zero ? TimeSpan.Zero : wake;
    }

    private sealed class InFlight(FoldBackDelivery delivery, FoldBackWebhookMessage message)
    {
        public FoldBackDelivery Delivery { get; } = delivery;

        public FoldBackWebhookMessage Message { get; } = message;

        public int Attempts { get; set; }

        public DateTimeOffset DueAt { get; set; } = DateTimeOffset.MinValue;
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Fold-back webhook: event {IdempotencyKey} not delivered ({Status}); retrying with backoff")]
        public static partial void Retrying(ILogger logger, string idempotencyKey, string status);

        [LoggerMessage(2, LogLevel.Error, "Fold-back webhook: the receiver refused event {IdempotencyKey} with {Status}; not retried (it stays in the stream)")]
        public static partial void Rejected(ILogger logger, string idempotencyKey, int status);

        [LoggerMessage(3, LogLevel.Error, "Fold-back webhook: event {IdempotencyKey} given up after {Attempts} attempts (it stays in the stream)")]
        public static partial void Exhausted(ILogger logger, string idempotencyKey, int attempts);

        [LoggerMessage(4, LogLevel.Error, "Fold-back webhook: {Count} events were dropped before they could be sent (the in-process bound, or stream entries that are no fold-back event)")]
        public static partial void Lost(ILogger logger, long count);

        [LoggerMessage(5, LogLevel.Warning, "Fold-back webhook: a delivery round failed ({Problem}); trying again")]
        public static partial void FeedFailed(ILogger logger, string problem);
    }
}
