using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using LinkGateway.Infrastructure;
using Serilog;
using Serilog.Configuration;
using Serilog.Core;
using Serilog.Events;

namespace LinkGateway.Observability;

/// <summary>
/// The request log is written to stdout, which in production is a pipe to a log shipper (a container runtime, journald, a
/// sidecar). When the shipper stops reading, the pipe fills: the gateway must go on answering clicks, and say in its
/// metrics what it could not log. The real entry point as a child process whose stdout this test never reads.
/// </summary>
public sealed class LogQueueTests : IDisposable
{
    private readonly DirectoryInfo _keyRing = Directory.CreateTempSubdirectory("lg-log-queue-");

    public void Dispose() => _keyRing.Delete(recursive: true);

    [Fact]
    public async Task WhenNobodyReadsTheGatewaysStdout_ClicksAreStillAnswered_AndTheLinesItCouldNotWriteAreCounted()
    {
        await using var origin = new RecordingOrigin();
        var adminPort = RedisServer.FreeLoopbackPort();
        var (gateway, client) = await StartGatewayAsync(origin, readOutput: false,
            $"--LinkGateway:Admin:Urls=http://127.0.0.1:{adminPort}", $"--LinkGateway:Admin:Token={AdminEndpoint.Token}");
        await using var _ = gateway;
        using var __ = client;

        // A line per request, about a kilobyte each: the pipe (64 KB) is full after a few dozen, the queue after
        // LogQueue.Capacity more; this sends past both. Before the queue, requests stopped being answered at the first.
        var sent = LogQueue.Capacity + 1_500;
        var answered = 0;
        await Parallel.ForAsync(0, sent, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
        {
            using var response = await client.SendAsync(Clients.Browser($"/c/m-log/r-{i}/l-1", Clients.NextAddress()));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                Interlocked.Increment(ref answered);
            }
        });

        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminEndpoint.Token);
        var metrics = await admin.GetStringAsync("/metrics");

        Assert.Equal(sent, answered);
        Assert.Equal(sent, origin.Requests.Count(r => r.RequestLine.Contains("/c/m-log/", StringComparison.Ordinal)));
        Assert.Equal(LogQueue.Capacity, Sample(metrics, "linkgateway_log_waiting"));
        Assert.InRange(Sample(metrics, "linkgateway_log_dropped_total"), 1, sent);
        Assert.Equal(0, Sample(metrics, "linkgateway_log_problems_total")); // a line dropped is not a sink that failed

        // Stopped now, it cannot write out its queue: it gives up after GatewayProgram.LogFlushLimit (5 s) and exits as
        // stopped. Before (2026-11-30) it waited for the sink until it was killed.
        Assert.Equal(0, await gateway.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    // A quiet log that keeps the request log (Default Warning, the request log's category at Information): the levels and
    // their overrides decide what reaches the queue's sinks, as they did when the sinks were written in the request.
    [Fact]
    public async Task AQuietLogThatKeepsTheRequestLog_WritesEachRequestsLine_AndNothingBelowItsLevel()
    {
        await using var origin = new RecordingOrigin();
        var (gateway, client) = await StartGatewayAsync(origin, readOutput: true,
            "--Serilog:MinimumLevel:Default=Warning", "--Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware=Information");
        await using var _ = gateway;
        using var __ = client;

        using var response = await client.SendAsync(Clients.Browser("/c/m-quiet/r-1/l-1", Clients.NextAddress()));
        await gateway.WaitForOutputAsync("GET /c/m-quiet/r-1/l-1 responded 200");
        await gateway.WaitForOutputAsync("INF] Now listening on"); // the file's own override: Microsoft.Hosting at Information

        Assert.DoesNotContain("/healthz", gateway.Output, StringComparison.Ordinal); // logged at Debug, below the override
    }

    // The queue's thread writes what came every LogQueue.Tick, not each line as it comes (a wake-up per line cost 6-8 us
    // per click): a line is still written without another line or a stop after it to wake the thread,
    [Fact]
    public async Task ALoneLine_IsWrittenWithoutALaterLineOrAStopToWakeTheQueue()
    {
        var sink = new RecordingSink();
        var queue = new LogQueue();
        using var queued = (IDisposable)queue.InFrontOf(sink);

        ((ILogEventSink)queued).Emit(Line(1));

        Assert.Equal(1, await sink.FirstWritten.Task.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, queue.Waiting);
    }

    // and the lines still queued when the gateway stops are written before the queue's sinks are closed (by Serilog, as the
    // gateway wires the queue), once; a line logged after the stop is dropped and counted.
    [Fact]
    public void AStoppedLog_WritesEveryLineQueuedBeforeTheStop_ThenClosesItsSinksOnce_AndCountsALaterLineAsDropped()
    {
        var sink = new RecordingSink();
        var queue = new LogQueue();
        var logger = new LoggerConfiguration().WriteTo.Sink(LoggerSinkConfiguration.Wrap(queue.InFrontOf, to => to.Sink(sink))).CreateLogger();

        for (var i = 0; i < 1_000; i++)
        {
            logger.Write(Line(i));
        }

        logger.Dispose();
        logger.Write(Line(1_000));

        Assert.Equal(Enumerable.Range(0, 1_000), sink.Written);
        Assert.Equal((1, 1L, 0), (sink.Disposals, queue.Dropped, queue.Waiting));
    }

    // A sink that throws loses its line, not the queue: the thread goes on with the next (told to Serilog's self-log).
    // The gateway's sinks sit behind a sub-logger, which catches them itself; this is the queue's own safety net.
    [Fact]
    public void ASinkThatThrows_LosesThatLine_AndTheQueueGoesOn()
    {
        var sink = new RecordingSink { Refuses = n => n % 2 == 0 };
        var queue = new LogQueue();
        var queued = queue.InFrontOf(sink);

        for (var i = 0; i < 100; i++)
        {
            queued.Emit(Line(i));
        }

        ((IDisposable)queued).Dispose();
        ((IDisposable)queued).Dispose(); // a second stop does nothing more

        Assert.Equal(Enumerable.Range(0, 50).Select(i => (2 * i) + 1), sink.Written);
        Assert.Equal((0, 0L), (queue.Waiting, queue.Dropped));
    }

    // A sink that stops the log from the queue's own thread (a wrapper closing on a fatal error) must not wait for itself.
    [Fact]
    public async Task AStopFromTheQueuesOwnThread_DoesNotWaitForItself()
    {
        var sink = new RecordingSink();
        var queued = new LogQueue().InFrontOf(sink);
        sink.OnWrite = () => ((IDisposable)queued).Dispose();

        queued.Emit(Line(1));

        await sink.FirstWritten.Task.WaitAsync(TimeSpan.FromSeconds(10)); // set once the write returned; before: the stop joined its own thread, forever
    }

    private static LogEvent Line(int number) =>
        new(DateTimeOffset.UtcNow, LogEventLevel.Information, null, MessageTemplate.Empty, [new LogEventProperty("n", new ScalarValue(number))]);

    private sealed class RecordingSink : ILogEventSink, IDisposable
    {
        private readonly System.Collections.Concurrent.ConcurrentQueue<int> _written = new();

        /// <summary>The first line's number, once its write (and <see cref="OnWrite"/>) returned.</summary>
        public TaskCompletionSource<int> FirstWritten { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<int, bool> Refuses { get; init; } = _ => false;

        public Action OnWrite { get; set; } = () => { };

        public IEnumerable<int> Written => _written;

        public int Disposals { get; private set; }

        public void Emit(LogEvent logEvent)
        {
            var number = (int)((ScalarValue)logEvent.Properties["n"]).Value!;
            if (Disposals > 0 || Refuses(number))
            {
                throw new InvalidOperationException(Disposals > 0 ? "a line written after the sink was closed" : "refused");
            }

            _written.Enqueue(number);
            OnWrite();
            FirstWritten.TrySetResult(number);
        }

        public void Dispose() => Disposals++;
    }

    // A sink that fails (a File sink on a full disk: /dev/full answers every write with ENOSPC) loses its lines; Serilog
    // tells only its self-log. The clicks go on, the other sink (the console) still writes, and the loss is counted.
    [Fact]
    public async Task ASinkThatFailsToWrite_LosesItsLinesCounted_WhileClicksAndTheOtherSinkGoOn()
    {
        await using var origin = new RecordingOrigin();
        var adminPort = RedisServer.FreeLoopbackPort();
        var (gateway, client) = await StartGatewayAsync(origin, readOutput: true,
            "--Serilog:WriteTo:1:Name=File", "--Serilog:WriteTo:1:Args:path=/dev/full",
            $"--LinkGateway:Admin:Urls=http://127.0.0.1:{adminPort}", $"--LinkGateway:Admin:Token={AdminEndpoint.Token}");
        await using var _ = gateway;
        using var __ = client;

        const int sent = 20;
        for (var i = 0; i < sent; i++)
        {
            using var response = await client.SendAsync(Clients.Browser($"/c/m-full/r-{i}/l-1", Clients.NextAddress()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await gateway.WaitForOutputAsync($"GET /c/m-full/r-{sent - 1}/l-1 responded 200");
        using var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{adminPort}") };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminEndpoint.Token);
        var metrics = await admin.GetStringAsync("/metrics");

        Assert.Equal(sent, origin.Requests.Count(r => r.RequestLine.Contains("/c/m-full/", StringComparison.Ordinal)));
        Assert.True(Sample(metrics, "linkgateway_log_problems_total") >= sent, metrics); // each request's line, at least

        // Its last lines fail as it closes (the File sink flushes then): the stop goes on, and exits as stopped. Before
        // (2026-11-30) that exception ended the process with its stack trace.
        Assert.Equal(0, await gateway.TerminateAsync(TimeSpan.FromSeconds(30)));
    }

    /// <summary>The gateway's real entry point with the shipped file and the in-process store, in front of <paramref name="origin"/>.</summary>
    /// <param name="readOutput">False: its stdout is never read once the pipe is full.</param>
    private async Task<(RunningGateway Gateway, HttpClient Client)> StartGatewayAsync(RecordingOrigin origin, bool readOutput, params string[] more)
    {
        var port = RedisServer.FreeLoopbackPort();
        var start = GatewayProcess.StartInfo(["--config", RepoFiles.ConfigFile, "--urls", $"http://127.0.0.1:{port}",
            "--LinkGateway:Redis:Configuration=", $"--ReverseProxy:Clusters:origin:Destinations:primary:Address={origin.Address}",
            $"--LinkGateway:Signing:Key={Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            $"--LinkGateway:Shield:KeyRingPath={Path.Combine(_keyRing.FullName, port.ToString(System.Globalization.CultureInfo.InvariantCulture))}", .. more]);
        var gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{port}/healthz")], start, readOutput: readOutput);
        return (gateway, new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) });
    }

    private static long Sample(string metrics, string name) =>
        long.Parse(Regex.Match(metrics, $@"^{name}\{{[^}}]*\}} (\d+)$", RegexOptions.Multiline).Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
}
