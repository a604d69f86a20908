using System.Threading.Channels;

namespace LinkGateway.Memory;

/// <summary>
/// Observations the store did not take while their requests were answered — the circuit was open, a round trip failed,
/// or a request stopped waiting for it — kept in arrival order, bounded (past <see cref="RedisOptions.BacklogCapacity"/>
/// the oldest go first, counted), and written to the store in pipelined batches as soon as it takes them. So an outage
/// costs verdicts their memory for its duration, but the memory itself stays complete: a scanner that fanned out while
/// Redis was away is a scanner once it is back. Each observation carries its own time, so windows count it where it fell.
/// </summary>
public sealed partial class ObservationBacklog(IGatewayMemory memory, StoreCircuit circuit, RedisOptions settings, ILogger<ObservationBacklog> logger)
    : BackgroundService
{
    private const int BatchSize = 256;
    private static readonly TimeSpan _retryEvery = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private readonly Channel<bool> _doorbell = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private Queue<MemoryObservation> _waiting = new();
    private long _dropped;
    private long _written;

    /// <summary>Observations waiting for the store.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Observations dropped because the backlog was full (the oldest first).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Observations written to the store after all.</summary>
    public long Written => Interlocked.Read(ref _written);

    public void Add(MemoryObservation observation)
    {
        lock (_gate)
        {
            _waiting.Enqueue(observation);
            if (_waiting.Count > settings.BacklogCapacity)
            {
                _waiting.Dequeue();
                _dropped++;
            }
        }

        _doorbell.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await _doorbell.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false))
            {
                _doorbell.Reader.TryRead(out _);
                while (Count > 0 && !stoppingToken.IsCancellationRequested)
                {
                    // Written once the store is back; while the circuit is open, tried now and then (it may be open because
                    // Redis is slow, not gone, and a slow Redis still takes writes).
                    await Task.WhenAny(circuit.Closed, Task.Delay(_retryEvery, stoppingToken)).ConfigureAwait(false);
                    if (!await FlushBatchAsync(stoppingToken).ConfigureAwait(false))
                    {
                        await Task.Delay(_retryEvery, stoppingToken).ConfigureAwait(false);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: what is still waiting is lost with the process, as the store's own unwritten state would be.
        }
    }

    private async Task<bool> FlushBatchAsync(CancellationToken stoppingToken)
    {
        List<MemoryObservation> batch;
        lock (_gate)
        {
            batch = new List<MemoryObservation>(Math.Min(BatchSize, _waiting.Count));
            while (batch.Count < BatchSize && _waiting.TryDequeue(out var next))
            {
                batch.Add(next);
            }
        }

        try
        {
            // Started together, awaited together: the multiplexer pipelines them.
            var recalls = await Task.WhenAll(batch.Select(o => memory.ObserveAsync(o, stoppingToken).AsTask())).ConfigureAwait(false);
            for (var i = 0; i < batch.Count; i++)
            {
                if (recalls[i].FoldBack.Count > 0)
                {
                    // A late tag takes the entity's recent requests along, as it would have at the time: write their events.
                    var o = batch[i];
                    await memory.RememberAsync(new MemoryRemember(o, o.NewTag!, false, false, recalls[i].FoldBack), stoppingToken).ConfigureAwait(false);
                }
            }

            Interlocked.Add(ref _written, batch.Count);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
        {
            lock (_gate)
            {
                // Back in front, in order; past the bound the oldest go.
                var merged = new Queue<MemoryObservation>(batch.Concat(_waiting));
                while (merged.Count > settings.BacklogCapacity)
                {
                    merged.Dequeue();
                    _dropped++;
                }

                _waiting = merged;
            }

            Log.FlushFailed(logger, batch.Count, e.GetType().Name, e.Message);
            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(31, LogLevel.Debug, "The store did not take {Count} backlogged observations yet ({ErrorType}: {ErrorMessage}); trying again")]
        public static partial void FlushFailed(ILogger logger, int count, string errorType, string errorMessage);
    }
}
