using System.Collections.Concurrent;
using Serilog.Core;
using Serilog.Events;

namespace LinkGateway.Infrastructure;

/// <summary>Keeps the gateway's Serilog events in memory so tests can read the request log.</summary>
public sealed class CapturingSink : ILogEventSink
{
    private readonly ConcurrentQueue<LogEvent> _events = new();
    private readonly ChangeSignal _emitted = new();

    public IReadOnlyList<LogEvent> Events => [.. _events];

    public void Emit(LogEvent logEvent)
    {
        _events.Enqueue(logEvent);
        _emitted.Changed();
    }

    /// <summary>The request log's event of the first request whose path contains <paramref name="pathPart"/> (e.g. a unique recipient id).</summary>
    public Task<LogEvent> WaitForRequestAsync(string pathPart) =>
        WaitForAsync(e => e.Properties.TryGetValue("RequestPath", out var path) && path.ToString().Contains(pathPart, StringComparison.Ordinal));

    /// <summary>The first event that matches, waiting for new events (each one is the signal) up to 10 seconds.</summary>
    public Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match) => WaitForAsync(match, count: 1);

    /// <summary>The <paramref name="count"/>th event that matches, waiting for new events the same way.</summary>
    public Task<LogEvent> WaitForAsync(Func<LogEvent, bool> match, int count) =>
        _emitted.WaitForAsync(() => _events.Where(match).Skip(count - 1).FirstOrDefault());
}
