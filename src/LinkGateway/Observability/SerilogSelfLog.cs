using Serilog.Debugging;

namespace LinkGateway.Observability;

/// <summary>
/// Serilog's self-log: where Serilog tells what it could not do, and goes on. While a gateway reads its Serilog settings,
/// what is said there is a configuration mistake (<see cref="Listen"/>; Hosting's <c>SerilogSettings</c> stops start-up
/// with it). Afterwards it is most often a sink that failed to write a line (a full disk behind a File sink), and those
/// lines are lost: they are counted (<see cref="Problems"/>, <c>linkgateway_log_problems_total</c>), never written
/// anywhere, since written to stderr they could block a request as stdout once did (<see cref="LogQueue"/>).
/// </summary>
public static class SerilogSelfLog
{
    // Serilog's self-log is one writer for the process, set here once. Several gateways start in one process in the tests:
    // what is said on the thread that is reading a gateway's settings belongs to that reading; the count is the process's.
    [ThreadStatic]
    private static List<string>? _heard;

    private static long _problems;

    // Each line starts with the time it was written (ISO 8601), then the message.
    static SerilogSelfLog() => SelfLog.Enable(line =>
    {
        var message = line.IndexOf(' ', StringComparison.Ordinal) is var space and > 0 ? line[(space + 1)..] : line;
        if (_heard is { } heard)
        {
            heard.Add(message);
        }
        else
        {
            Interlocked.Increment(ref _problems);
        }
    });

    /// <summary>What Serilog's self-log told outside a <see cref="Listen"/> so far, in this process.</summary>
    public static long Problems => Interlocked.Read(ref _problems);

    /// <summary>Runs <paramref name="action"/> and returns what Serilog's self-log told on this thread meanwhile (each a message, without its time).</summary>
    public static IReadOnlyList<string> Listen(Action action)
    {
        var heard = new List<string>();
        var outer = _heard;
        _heard = heard;
        try
        {
            action();
        }
        finally
        {
            _heard = outer;
        }

        return heard;
    }
}
