using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Debugging;
using Serilog.Events;

namespace LinkGateway.Observability;

/// <summary>
/// The queue between the gateway and its log's sinks (the console, or what the configuration's <c>Serilog:WriteTo</c>
/// names): a request puts its log line in and goes on, and a thread of its own writes the lines out. When the sinks fall
/// behind by <see cref="Capacity"/> lines — stdout a pipe whose reader stopped draining it (a stalled log shipper), a slow
/// or full disk — further lines are dropped and counted (<c>linkgateway_log_dropped_total</c>), and requests never wait
/// on a write. Before (2026-11-29), each request wrote its line to the console itself: with stdout a pipe nobody read, the
/// gateway answered about a hundred clicks, then none, while <c>/healthz</c> still answered 200.
/// <para>
/// The thread wakes every <see cref="Tick"/> and writes what came meanwhile, not for each line: a queue that wakes its
/// writer per line (Serilog.Sinks.Async's, and Serilog's own batching sink) costs a wake-up and a switch between threads
/// per request, 6–8 µs of the gateway's CPU per click (docs/development.md, "The log's queue, its price").
/// </para>
/// </summary>
public sealed class LogQueue
{
    /// <summary>Log lines held at most while the sinks fall behind (a request's line is about 1 KB in memory).</summary>
    public const int Capacity = 10_000;

    /// <summary>How long a line waits at most before the queue's thread writes it, when the sinks keep up.</summary>
    public static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(20);

    private long _dropped;
    private int _waiting;

    /// <summary>Log lines dropped so far: the queue was full, or the log was already closed (a line logged during the stop).</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>
    /// Log lines waiting to be written now. A line past the limit is counted for an instant before it is dropped, so the
    /// count may pass <see cref="Capacity"/> by the lines being refused; the queue never holds more, nor says it does.
    /// </summary>
    public int Waiting => Math.Min(Volatile.Read(ref _waiting), Capacity);

    /// <summary>
    /// The sink a logger writes to: it queues each line for <paramref name="sinks"/>. For Serilog's
    /// <c>LoggerSinkConfiguration.Wrap</c>, which closes <paramref name="sinks"/> after this sink, so after the lines
    /// queued before the stop were written; one per logger.
    /// </summary>
    public ILogEventSink InFrontOf(ILogEventSink sinks) => new QueuedSink(this, sinks);

    private sealed class QueuedSink(LogQueue queue, ILogEventSink sinks) : ILogEventSink, IDisposable
    {
        private readonly ConcurrentQueue<LogEvent> _lines = new();
        private readonly ManualResetEventSlim _stop = new();
        private Thread? _writer;
        private int _stopped;

        public void Emit(LogEvent logEvent)
        {
            // After the stop nothing writes: the line is dropped and counted (a line logged while the host is disposed).
            if (Volatile.Read(ref _stopped) == 1)
            {
                Interlocked.Increment(ref queue._dropped);
                return;
            }

            if (Interlocked.Increment(ref queue._waiting) > Capacity)
            {
                Interlocked.Decrement(ref queue._waiting);
                Interlocked.Increment(ref queue._dropped);
                return;
            }

            _lines.Enqueue(logEvent);
            if (Volatile.Read(ref _writer) is null)
            {
                Start();
            }
        }

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _stopped, 1) == 1)
            {
                return;
            }

            _stop.Set();
            if (Volatile.Read(ref _writer) is { } writer && writer != Thread.CurrentThread)
            {
                writer.Join(); // bounded by the stop's caller: the host is disposed on a thread of its own
            }

            WriteWaiting(); // what came between the writer's last look and the stop
        }

        // The thread starts with the first line, not with the sink: a configuration that fails after Serilog made the sink
        // never disposes it, and its thread would wake 50 times a second for good (the tests build many in one process).
        private void Start()
        {
            var writer = new Thread(Write) { IsBackground = true, Name = "log queue" };
            if (Interlocked.CompareExchange(ref _writer, writer, null) is null)
            {
                // A background thread: a write that never returns (stdout stalled) must not keep the process alive; the stop
                // gives it a bounded time (GatewayProgram.LogFlushLimit).
                writer.Start();
            }
        }

        private void Write()
        {
            bool stopping;
            do
            {
                stopping = _stop.Wait(Tick); // read before the queue is emptied: lines queued before a stop are written
                WriteWaiting();
            }
            while (!stopping);
        }

        private void WriteWaiting()
        {
            while (_lines.TryDequeue(out var line))
            {
                Interlocked.Decrement(ref queue._waiting);
                try
                {
                    sinks.Emit(line);
                }
                catch (Exception e)
                {
                    // A sub-logger catches its sinks' failures itself (they reach the self-log, as this one does).
                    SelfLog.WriteLine("The log queue could not write a line: {0}", e);
                }
            }
        }
    }
}
