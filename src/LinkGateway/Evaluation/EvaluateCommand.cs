using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LinkGateway.Contracts;
using LinkGateway.Hosting;
using LinkGateway.Links;

namespace LinkGateway.Evaluation;

/// <summary>
/// <c>dotnet run --project src/LinkGateway -- evaluate --log FILE [--out FILE.csv|FILE.jsonl] [--labels FILE]
/// [--config FILE] [--A:B=value ...]</c>: replays an access log through the gateway's judgement and
/// prints what it would have done. Streams the log; memory is bounded by the store's
/// (<c>--LinkGateway:Memory:InProcessMaxBytes=N</c>).
/// </summary>
public static class EvaluateCommand
{
    public const string Usage = "usage: evaluate --log FILE [--out FILE.csv|FILE.jsonl] [--labels FILE] [--config FILE] [--A:B=value ...]";

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? log = null, outFile = null, labelsFile = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new GatewayConfigurationException([$"{args[i]}: needs a value ({Usage})"]);
            switch (args[i])
            {
                case "--log": log = Next(); break;
                case "--out": outFile = Next(); break;
                case "--labels": labelsFile = Next(); break;
                default: rest.Add(args[i]); break;
            }
        }

        if (log is null || !File.Exists(log))
        {
            throw new GatewayConfigurationException([log is null ? $"--log: missing ({Usage})" : $"--log: file not found: {Path.GetFullPath(log)}"]);
        }

        var launch = GatewayLaunch.Parse([.. rest]);
        using var replay = new LogReplay(ReplayConfiguration(launch), Path.GetDirectoryName(launch.ConfigFile)!);
        var labels = labelsFile is null ? null : Labels.Read(labelsFile);
        await using var writer = outFile is null ? null : new OutcomeWriter(outFile);
        var summary = new EvaluationSummary();
        var started = Stopwatch.GetTimestamp();

        await using (var stream = File.OpenRead(log))
        using (var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16))
        {
            var progress = new ProgressBar(error, stream.Length, enabled: !Console.IsErrorRedirected);
            long number = 0;
            while (await reader.ReadLineAsync() is { } line)
            {
                number++;
                if (AccessLogParser.Parse(line, number, out var problem) is not { } request)
                {
                    summary.AddBadLine(number, problem!);
                    continue;
                }

                if (await replay.ReplayAsync(request) is not { } outcome)
                {
                    summary.AddUnrouted();
                    continue;
                }

                var label = request.Label ?? labels?.GetValueOrDefault(number);
                summary.Add(outcome, label);
                writer?.Write(outcome, label);
                if ((number & 0x3FF) == 0)
                {
                    progress.Report(stream.Position);
                }
            }

            progress.Done();
        }

        var elapsed = Stopwatch.GetElapsedTime(started);
        summary.Write(output);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replayed in {elapsed.TotalSeconds:0.0} s ({summary.Requests / Math.Max(elapsed.TotalSeconds, 0.001):N0} requests/s); signatures {replay.Snapshot.Detector.Signatures.Version}"));
        return 0;
    }

    /// <summary>
    /// The gateway's configuration as a replay reads it: the file, then command-line overrides. The replay
    /// signs nothing, so a placeholder key lets a configuration without one validate.
    /// </summary>
    public static IConfiguration ReplayConfiguration(GatewayLaunch launch) => new ConfigurationBuilder()
        .AddJsonFile(launch.ConfigFile, optional: false)
        .AddInMemoryCollection(new Dictionary<string, string?> { ["LinkGateway:Signing:Key"] = Convert.ToBase64String(new byte[32]) })
        .AddCommandLine(launch.HostArgs)
        .Build();

    /// <summary>Per-request verdicts as CSV or JSON lines, by the file's extension.</summary>
    private sealed class OutcomeWriter(string path) : IAsyncDisposable
    {
        private readonly StreamWriter _writer = new(path, append: false, new UTF8Encoding(false), 1 << 16);
        private readonly bool _json = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
        private bool _headerWritten;

        public void Write(ReplayOutcome o, string? label)
        {
            var r = o.Request;
            if (_json)
            {
                _writer.WriteLine(JsonSerializer.Serialize(new
                {
                    line = r.Line, time = r.Time, client = r.ClientAddress?.ToString(), method = r.Method, target = r.Target, kind = o.Kind.ToName(),
                    score = o.Verdict.Score, verdict = o.Verdict.KindName, reasons = o.Verdict.Reasons, action = o.Action.ToName(), label,
                }));
                return;
            }

            if (!_headerWritten)
            {
                _writer.WriteLine("line,time,client,method,target,kind,score,verdict,reasons,action,label");
                _headerWritten = true;
            }

            _writer.WriteLine(string.Join(',', new[]
            {
                r.Line.ToString(CultureInfo.InvariantCulture), r.Time.ToString("O", CultureInfo.InvariantCulture), r.ClientAddress?.ToString(), r.Method, r.Target,
                o.Kind.ToName(), o.Verdict.Score.ToString(CultureInfo.InvariantCulture), o.Verdict.KindName, o.Verdict.Reasons,
                o.Action.ToName(), label,
            }.Select(Csv)));
        }

        public ValueTask DisposeAsync() => _writer.DisposeAsync();

        private static string Csv(string? value) =>
            value is null ? string.Empty : value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>A one-line bar on standard error for long files, redrawn at most every half second.</summary>
    private sealed class ProgressBar(TextWriter error, long total, bool enabled)
    {
        private long _lastDrawn = Stopwatch.GetTimestamp();

        public void Report(long position)
        {
            if (!enabled || total <= 0 || Stopwatch.GetElapsedTime(_lastDrawn) < TimeSpan.FromMilliseconds(500))
            {
                return;
            }

            _lastDrawn = Stopwatch.GetTimestamp();
            var share = (double)position / total;
            var filled = (int)(share * 40);
            error.Write(string.Create(CultureInfo.InvariantCulture, $"\r[{new string('#', filled)}{new string('.', 40 - filled)}] {share:P0}"));
        }

        public void Done()
        {
            if (enabled && total > 0)
            {
                error.Write("\r" + new string(' ', 50) + "\r");
            }
        }
    }
}
