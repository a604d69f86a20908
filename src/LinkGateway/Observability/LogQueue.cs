using Serilog.Sinks.Async;

namespace LinkGateway.Observability;

/// <summary>
/// The queue between the gateway and its log's sinks (the console, or what the configuration's <c>Serilog:WriteTo</c>
/// names): a request puts its log line in and goes on, and a thread of its own writes the lines out. When the sinks fall
/// behind by <see cref="Capacity"/> lines — stdout a pipe whose reader stopped draining it (a stalled log shipper), a slow
/// or full disk — further lines are dropped and counted (<c>linkgateway_log_dropped_total</c>), and requests never wait
/// on a write. Before (2026-11-29), each request wrote its line to the console itself: with stdout a pipe nobody read, the
/// gateway answered about a hundred clicks, then none, while <c>/healthz</c> still answered 200.
/// </summary>
public sealed class LogQueue : IAsyncLogEventSinkMonitor
{
    /// <summary>Log lines held at most while the sinks fall behind (a request's line is about 1 KB in memory).</summary>
    public const int Capacity = 10_000;

    private IAsyncLogEventSinkInspector? _inspector;
    private long _droppedBeforeStop;

    /// <summary>Log lines dropped so far because the queue was full.</summary>
    public long Dropped => Volatile.Read(ref _inspector) is { } inspector ? inspector.DroppedMessagesCount : Interlocked.Read(ref _droppedBeforeStop);

    /// <summary>Log lines waiting to be written now.</summary>
    public int Waiting
    {
        get
        {
            try
            {
                return Volatile.Read(ref _inspector)?.Count ?? 0;
            }
            catch (ObjectDisposedException)
            {
                return 0; // the host is stopping
            }
        }
    }

    void IAsyncLogEventSinkMonitor.StartMonitoring(IAsyncLogEventSinkInspector inspector) => Volatile.Write(ref _inspector, inspector);

    void IAsyncLogEventSinkMonitor.StopMonitoring(IAsyncLogEventSinkInspector inspector)
    {
        Interlocked.Exchange(ref _droppedBeforeStop, inspector.DroppedMessagesCount);
        Volatile.Write(ref _inspector, null);
    }
}
