using System.Xml.Linq;
using LinkGateway.Memory;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace LinkGateway.Interstitial;

/// <summary>
/// The Data Protection key ring as the nodes share it (in Redis) and as this node keeps it (a local folder,
/// LinkGateway:Shield:KeyRingPath). Reads take both and mirror each into the other — a key made here while Redis was
/// away reaches Redis once it is back — and fall back to the folder alone when Redis does not answer, so the
/// interstitial keeps issuing and accepting passes through an outage, also one that was there at start. A node started
/// without Redis and without a folder of its own makes a key of its own: its pages are accepted by itself until the keys
/// meet in Redis (a person whose button lands on another node sees the page once more).
/// </summary>
internal sealed partial class MirroredKeyRing(IXmlRepository shared, LocalKeyRing local, StoreCircuit circuit, ILogger<MirroredKeyRing> logger)
    : IXmlRepository, IDisposable
{
    private static readonly TimeSpan _sharedTimeout = TimeSpan.FromSeconds(1);

    // After a reconnect, the pause before asking a Redis that did not answer again: doubled each time up to the last, so a
    // Redis that keeps refusing (the ring's key holding another type) costs a warning a minute, not one a second.
    private static readonly TimeSpan _firstRetry = TimeSpan.FromSeconds(1), _lastRetry = TimeSpan.FromMinutes(1);

    private readonly Lock _mirroring = new();
    // A reconnect not yet mirrored after (at most one pending: reconnects that come together are mirrored after once).
    private readonly SemaphoreSlim _reconnected = new(0, 1);
    private readonly CancellationTokenSource _disposed = new(); // cancelled when the node stops
    private int _writeBackStarted;
    private Task? _writeBack;

    public IReadOnlyCollection<XElement> GetAllElements() => Mirror().Elements;

    /// <summary>
    /// The connection to Redis came back, maybe to a Redis restarted empty that lost the ring: this node's write-back
    /// (<see cref="WriteBackAsync"/>) mirrors both ways once the circuit is closed, and again after a pause (1 s, doubled up
    /// to a minute; a later reconnect cuts the pause) until Redis has answered and taken every key of this node. One try is
    /// not enough: on a busy node the read can miss its one-second timeout, and nothing else reads the ring before Data
    /// Protection's next refresh (a day), so nodes started meanwhile would make keys of their own.
    /// </summary>
    public void Reconnected()
    {
        if (Interlocked.Exchange(ref _writeBackStarted, 1) == 0)
        {
            _writeBack = Task.Run(WriteBackAsync);
        }

        try
        {
            _reconnected.Release();
        }
        catch (SemaphoreFullException)
        {
            // One is pending already: the write-back mirrors after it, and after this one with it.
        }
    }

    /// <summary>
    /// Stops the write-back (the node is stopping; its ring stays in its folder). Neither the source nor the semaphore is
    /// disposed: neither holds a timer or a wait handle, and a reconnect announced while the node stops must find them.
    /// </summary>
    public void Dispose() => _disposed.Cancel();

    /// <summary>The write-back loop, once a reconnect has started it: it completes when the node stops.</summary>
    internal Task? WriteBack => _writeBack;

    /// <summary>One loop per node for its lifetime: waits for a reconnect, then mirrors until Redis took every key.</summary>
    private async Task WriteBackAsync()
    {
        var stopping = _disposed.Token;
        try
        {
            while (true)
            {
                await _reconnected.WaitAsync(stopping).ConfigureAwait(false);
                var pause = _firstRetry;
                while (!await TryWriteBackAsync(stopping).ConfigureAwait(false))
                {
                    // The pause, or less when the connection comes back again meanwhile (that may be Redis returning).
                    pause = await _reconnected.WaitAsync(pause, stopping).ConfigureAwait(false) ? _firstRetry
                        : pause * 2 < _lastRetry ? pause * 2 : _lastRetry;
                }
            }
        }
        catch (Exception) when (stopping.IsCancellationRequested)
        {
            // The node is stopping (a try under way may fail as the connection is disposed under it).
        }
        finally
        {
            // Only a logger that throws ends the loop otherwise: the next reconnect starts another.
            if (!stopping.IsCancellationRequested)
            {
                Volatile.Write(ref _writeBackStarted, 0);
            }
        }
    }

    /// <returns>True when Redis answered and took every key it lacked.</returns>
    private async Task<bool> TryWriteBackAsync(CancellationToken stopping)
    {
        await circuit.Closed.WaitAsync(stopping).ConfigureAwait(false);
        try
        {
            var (_, written, complete) = await Task.Run(Mirror, stopping).ConfigureAwait(false);
            if (written > 0)
            {
                Log.WrittenBack(logger, written);
            }

            return complete;
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            // Whatever failed (the local folder unreadable, a Redis error beyond the ones the mirror logs), it is tried again.
            Log.WriteBackFailed(logger, e.Message);
            return false;
        }
    }

    /// <summary>
    /// Both copies, each mirrored into the other; <c>Complete</c> when Redis answered and took every key it lacked
    /// (<c>Written</c> of them).
    /// </summary>
    private (IReadOnlyCollection<XElement> Elements, int Written, bool Complete) Mirror()
    {
        // One mirror at a time: a reconnect announces itself once per connection, and two mirrors at once would push
        // the same key to Redis twice.
        lock (_mirroring)
        {
            var mine = local.GetAllElements().DistinctBy(Text).ToList();
            // Redis's list may hold a key twice (another node's mirror racing this one): each key is taken once.
            var theirs = ReadShared()?.DistinctBy(Text).ToList();
            if (theirs is null)
            {
                return (mine, 0, false);
            }

            var known = mine.Select(Text).ToHashSet(StringComparer.Ordinal);
            var shared = theirs.Select(Text).ToHashSet(StringComparer.Ordinal);
            var learned = theirs.Where(e => !known.Contains(Text(e))).ToList();
            foreach (var element in learned)
            {
                TryStoreLocal(element, NameOf(element));
            }

            var missing = mine.Where(e => !shared.Contains(Text(e))).ToList();
            var written = missing.Count(element => TryStoreShared(element, NameOf(element)));
            return ([.. mine, .. learned], written, written == missing.Count);
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        local.StoreElement(element, friendlyName);
        TryStoreShared(element, friendlyName); // when Redis is away, the next read writes it there
    }

    /// <summary>Redis's copy, or null when it does not answer in time (a sync read on a stalled connection would block for seconds).</summary>
    private IReadOnlyCollection<XElement>? ReadShared()
    {
        if (circuit.IsOpen)
        {
            return null;
        }

        try
        {
            var reading = Task.Run(shared.GetAllElements);
            return reading.Wait(_sharedTimeout) ? reading.Result : null;
        }
        catch (AggregateException e)
        {
            Log.SharedUnavailable(logger, e.InnerException?.Message ?? e.Message);
            return null;
        }
    }

    /// <summary>Writes a key to Redis; false when it is not there now (the circuit open, or Redis did not take it).</summary>
    private bool TryStoreShared(XElement element, string friendlyName)
    {
        if (circuit.IsOpen)
        {
            return false;
        }

        try
        {
            shared.StoreElement(element, friendlyName);
            return true;
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            Log.SharedUnavailable(logger, e.Message);
            return false;
        }
    }

    /// <summary>
    /// Keeps a key learned from Redis in this node's folder. The key is in use either way; a folder that cannot take it
    /// (full, or the file written meanwhile by another process on the same folder) costs only the copy for an outage.
    /// </summary>
    private void TryStoreLocal(XElement element, string friendlyName)
    {
        try
        {
            local.StoreElement(element, friendlyName);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Log.LocalUnavailable(logger, e.Message);
        }
    }

    private static string Text(XElement element) => element.ToString(SaveOptions.DisableFormatting);

    private static string NameOf(XElement element) => element.Attribute("id")?.Value is { } id ? $"key-{id}" : $"element-{Guid.NewGuid():N}";

    private static partial class Log
    {
        [LoggerMessage(50, LogLevel.Warning, "The shared key ring in Redis did not answer ({Problem}); the interstitial uses this node's copy")]
        public static partial void SharedUnavailable(ILogger logger, string problem);

        [LoggerMessage(51, LogLevel.Warning, "A key of the shared key ring could not be kept in this node's folder ({Problem}); it is used, but an outage of Redis would find this node without it")]
        public static partial void LocalUnavailable(ILogger logger, string problem);

        [LoggerMessage(52, LogLevel.Information, "Wrote {Count} keys of this node's key ring back to Redis after the connection came back")]
        public static partial void WrittenBack(ILogger logger, int count);

        [LoggerMessage(53, LogLevel.Warning, "Could not mirror the key ring after the connection to Redis came back ({Problem}); trying again")]
        public static partial void WriteBackFailed(ILogger logger, string problem);
    }
}
