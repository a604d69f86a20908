using System.Collections.Concurrent;

namespace LinkGateway.Memory;

/// <summary>
/// Marks a value (a pass nonce) used once, on every node, whatever the store's state. The store decides between nodes
/// (SET NX); beside it, each node keeps what it marked itself for the mark's lifetime, so that
/// <list type="bullet">
/// <item>while the store is away, marks are made here and written back when it returns: a person still passes the
/// interstitial, and a used pass stays used;</item>
/// <item>a Redis restarted without persistence forgets nothing this node marked: the node refuses a replay itself, and
/// announces its live marks again when the connection comes back.</item>
/// </list>
/// What remains (docs/operations/failure-modes.md): while the store is away, or between a Redis restart and the announcement,
/// a pass could be used once on each node that has not seen it — within its lifetime (Shield:PassLifetime).
/// </summary>
public sealed partial class SingleUseMarks(IGatewayMemory memory, StoreCircuit circuit, LinkGateway.Memory.RedisOptions settings, TimeProvider time,
    ILogger<SingleUseMarks> logger)
{
    /// <summary>Marks this node remembers; past it, expired ones go, then the oldest.</summary>
    public const int LocalCapacity = 100_000;

    /// <summary>
    /// The pause after a write-back Redis refused, doubled after each refusal up to <see cref="LastRetry"/>: a Redis that
    /// answers but refuses (full under noeviction, read-only) keeps the circuit closed, and a try every second logged a
    /// warning every second for as long as it lasted. The last pause stays short: until a mark is written, another node
    /// would take its pass once more, so a Redis that takes writes again must have the marks within seconds.
    /// </summary>
    public static readonly TimeSpan FirstRetry = TimeSpan.FromSeconds(1), LastRetry = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, DateTimeOffset> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly ConcurrentDictionary<string, byte> _unwritten = new(StringComparer.Ordinal);
    private int _writing;


    /// <summary>True for the first caller only.</summary>
    public async ValueTask<bool> TryConsumeAsync(string nonce, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!TryMarkLocally(nonce, now + ttl, now))
        {
            return false; // used on this node already, whatever the store says now
        }

        if (!circuit.IsOpen)
        {
            var storing = memory.TryConsumeAsync(nonce, ttl, CancellationToken.None).AsTask();
            try
            {
                return await storing.WaitAsync(settings.MaxWait, time, circuit.Opened).ConfigureAwait(false);
            }
            catch (Exception) when (storing.IsCompletedSuccessfully)
            {
                return storing.Result;
            }
            catch (Exception)
            {
                // The store did not answer: this node's mark stands in for it (below).
            }
        }

        _unwritten.TryAdd(nonce, 0);
        _ = WriteBackAsync(); // if the store is back already; otherwise when the circuit closes
        return true;
    }

    /// <summary>The connection to Redis came back (it may have restarted empty): announce every live mark again.</summary>
    public void Reannounce()
    {
        var now = time.GetUtcNow();
        foreach (var (nonce, expires) in _local)
        {
            if (expires > now)
            {
                _unwritten.TryAdd(nonce, 0);
            }
        }

        _ = WriteBackAsync();
    }

    private bool TryMarkLocally(string nonce, DateTimeOffset expires, DateTimeOffset now)
    {
        while (true)
        {
            if (_local.TryAdd(nonce, expires))
            {
                _order.Enqueue(nonce);
                Trim(now);
                return true;
            }

            if (_local.TryGetValue(nonce, out var existing) && existing > now)
            {
                return false;
            }

            _local.TryRemove(new KeyValuePair<string, DateTimeOffset>(nonce, existing)); // expired: its token has too
        }
    }

    private void Trim(DateTimeOffset now)
    {
        while (_local.Count > LocalCapacity && _order.TryDequeue(out var oldest))
        {
            _local.TryRemove(oldest, out _);
        }

        // Expired marks leave in order of arrival; a live one stops the sweep.
        while (_order.TryPeek(out var first) && (!_local.TryGetValue(first, out var expires) || expires <= now) && _order.TryDequeue(out first))
        {
            _local.TryRemove(first, out _);
        }
    }

    private async Task WriteBackAsync()
    {
        if (Interlocked.Exchange(ref _writing, 1) == 1)
        {
            return;
        }

        try
        {
            var pause = FirstRetry;
            while (!_unwritten.IsEmpty)
            {
                await circuit.Closed.ConfigureAwait(false);
                var now = time.GetUtcNow();
                var batch = _unwritten.Keys.ToList();
                var writes = batch.Select(nonce => _local.TryGetValue(nonce, out var expires) && expires > now
                    ? memory.TryConsumeAsync(nonce, expires - now, CancellationToken.None).AsTask()
                    : Task.FromResult(false)).ToList();
                try
                {
                    await Task.WhenAll(writes).ConfigureAwait(false);
                    batch.ForEach(nonce => _unwritten.TryRemove(nonce, out _));
                    Log.WrittenBack(logger, batch.Count);
                    pause = FirstRetry;
                }
                catch (Exception e)
                {
                    var waiting = Task.Delay(pause, time); // due from now, before anyone reads the log line
                    Log.WriteBackFailed(logger, batch.Count, e.Message, pause);
                    await waiting.ConfigureAwait(false);
                    pause = pause * 2 < LastRetry ? pause * 2 : LastRetry;
                }
            }
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }

        if (!_unwritten.IsEmpty)
        {
            _ = WriteBackAsync(); // one arrived as the loop ended
        }
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Wrote {Count} single-use marks made on this node to the store")]
        public static partial void WrittenBack(ILogger logger, int count);

        [LoggerMessage(41, LogLevel.Warning, "Could not write {Count} single-use marks to the store yet: {Problem}; trying again in {Pause}")]
        public static partial void WriteBackFailed(ILogger logger, int count, string problem, TimeSpan pause);
    }
}
