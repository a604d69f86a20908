using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using LinkGateway.Contracts;
using LinkGateway.Hosting;
using LinkGateway.Links;

namespace LinkGateway.Evaluation;

/// <summary>
/// <c>dotnet run --project src/LinkGateway -- evaluate --log FILE [--format NAME] [--fields field=key,…] [--out FILE.csv|FILE.jsonl]
/// [--labels FILE] [--config FILE] [--A:B=value ...]</c>: replays an access log through the gateway's judgement and prints what
/// it would have done. Streams the log; memory is bounded by the store's (<c>--LinkGateway:Memory:InProcessMaxBytes=N</c>).
/// Exit codes: 0 replayed, 1 a file it reads is refused or unreadable, or the --out file cannot be written (one line on standard
/// error), 2 a wrong command line or configuration.
/// </summary>
public static class EvaluateCommand
{
    public const string Usage = "usage: evaluate --log FILE [--format NAME] [--fields field=key,...] [--out FILE.csv|FILE.jsonl] [--labels FILE] [--config FILE] [--A:B=value ...] (evaluate --help)";

    /// <summary>The input is not a log evaluate can judge: missing, unreadable, binary, of no known format, mostly unreadable lines, or without User-Agents.</summary>
    public const int InputRefusedExitCode = 1;

    public static readonly string Help = string.Join(Environment.NewLine,
        "evaluate: replays an access log through the gateway's judgement and prints what it would have done.",
        "",
        Usage,
        "",
        "  --log FILE          the access log (plain or gzip-compressed)",
        "  --format NAME       its format; without it, the first " + AccessLogFormats.SampleLines + " non-empty lines decide (and the report says which):",
        "                        nginx-combined, apache-combined  the combined log format (the common format has no User-Agent: refused)",
        "                        nginx-json       JSON lines of an nginx log_format (keys as nginx's variables: remote_addr, request_uri, ...)",
        "                        json             JSON lines of LinkGateway's layout (time, ip, method, url, user_agent, accept, ..., label)",
        "                        alb              AWS Application Load Balancer access logs",
        "                        cloudflare       Cloudflare Logpush HTTP requests (JSON)",
        "                        w3c              W3C extended / IIS (#Fields directive; IIS defaults without one)",
        "  --fields MAP        for the JSON formats: which key holds which value, e.g. time=ts,address=remote_addr,uri=request_uri,ua=http_user_agent",
        "                        fields: " + string.Join(", ", JsonLogFields.Names) + " (a key may be a dotted path)",
        "  --out FILE          one row per request: JSON lines when FILE ends in .jsonl or .json, CSV for any other name",
        "  --labels FILE       line,label per line (bot or human): adds precision and recall; other lines are counted as unreadable",
        "  --config FILE       the gateway configuration to judge with (default config/linkgateway.json)",
        "  --A:B=value         any configuration override, as the gateway takes it",
        "  --help              this text",
        "",
        "exit codes: 0 replayed; 1 input refused (a --log or --labels file missing, a directory or unreadable; binary,",
        "            no known format, most lines unreadable, or no User-Agents) or an --out file that cannot be written;",
        "            2 wrong command line or configuration.",
        "A warning is printed when client addresses look like a balancer's. docs/evaluate.md has the details.");

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error)
    {
        try
        {
            return await EvaluateAsync(args, output, error);
        }
        catch (LogRefusedException e)
        {
            await error.WriteLineAsync($"evaluate: {e.Message}");
            return InputRefusedExitCode;
        }
    }

    private static async Task<int> EvaluateAsync(string[] args, TextWriter output, TextWriter error)
    {
        string? log = null, outFile = null, labelsFile = null, formatName = null, fields = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new GatewayConfigurationException([$"{args[i]}: needs a value ({Usage})"]);
            switch (args[i])
            {
                case "--help" or "-h":
                    await output.WriteLineAsync(Help);
                    return 0;
                case "--log": log = Next(); break;
                case "--out": outFile = Next(); break;
                case "--labels": labelsFile = Next(); break;
                case "--format": formatName = Next(); break;
                case "--fields": fields = Next(); break;
                default: rest.Add(args[i]); break;
            }
        }

        if (log is null)
        {
            throw new GatewayConfigurationException([$"--log: missing ({Usage})"]);
        }

        var given = formatName is null ? null : AccessLogFormats.Create(formatName, fields);
        await using var input = LogInput.Open(log);
        var sample = await input.SampleAsync(AccessLogFormats.SampleLines);
        var format = given ?? AccessLogFormats.Detect(sample, fields, out var undetected) ?? throw new LogRefusedException($"{input.Name}: {undetected}");
        RefuseWithoutUserAgents(input.Name, AccessLogFormats.Create(format.Name, fields), sample);
        await output.WriteLineAsync(given is null
            ? $"format: {format.Name} (detected from the first {sample.Count} lines; --format names another)"
            : $"format: {format.Name}");

        var launch = GatewayLaunch.Parse([.. rest]);
        using var replay = new LogReplay(ReplayConfiguration(launch), Path.GetDirectoryName(launch.ConfigFile)!);
        var labels = labelsFile is null ? null : Labels.Read(labelsFile);
        if (labels is not null)
        {
            await output.WriteLineAsync(labels.Describe(labelsFile!));
        }

        RefuseToOverwriteAnInput(outFile, ("--log", log), ("--labels", labelsFile), ("--config", launch.ConfigFile));
        await using var writer = outFile is null ? null : OutcomeWriter.Create(outFile);
        var summary = new EvaluationSummary();
        var balancer = new BalancerAddressCheck(replay.Snapshot.Detector.Signatures.Networks);
        long read = 0, withoutUserAgent = 0;
        var started = Stopwatch.GetTimestamp();
        var progress = new ProgressBar(error, input.Length, enabled: !Console.IsErrorRedirected);
        await foreach (var (number, line) in input.LinesAsync())
        {
            if (format.Read(line, number, out var refusal) is not { } request)
            {
                if (refusal is not null)
                {
                    summary.AddBadLine(number, refusal);
                }

                continue;
            }

            read++;
            withoutUserAgent += request.UserAgent is null ? 1 : 0;
            if (await replay.ReplayAsync(request) is not { } outcome)
            {
                summary.AddUnrouted();
                continue;
            }

            // An in-log label evaluate cannot read ("-", a typo) is counted, and the labels file speaks for the line instead.
            var label = request.Label;
            if (label is not null && Labels.IsBot(label) is null)
            {
                summary.AddUnreadableLabel(number, label);
                label = null;
            }

            label ??= labels?.ByLine.GetValueOrDefault(number);
            summary.Add(outcome, label);
            balancer.Add(request.ClientAddress, request.UserAgent, outcome.Identity.RecipientId);
            writer?.Write(outcome, label);
            if ((number & 0x3FF) == 0)
            {
                progress.Report(input.Position);
            }
        }

        progress.Done();
        var elapsed = Stopwatch.GetElapsedTime(started);
        summary.Write(output);
        output.WriteLine();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"replayed in {elapsed.TotalSeconds:0.0} s ({summary.Requests / Math.Max(elapsed.TotalSeconds, 0.001):N0} requests/s); signatures {replay.Snapshot.Detector.Signatures.Version}"));
        if (balancer.Warning() is { } warning)
        {
            output.WriteLine();
            output.WriteLine(warning);
            await error.WriteLineAsync("evaluate: warning: client addresses look like a balancer's; the report says why and what to log instead");
        }

        var c = CultureInfo.InvariantCulture;
        if (read == 0 || summary.BadLines > read)
        {
            throw new LogRefusedException(string.Create(c,
                $"{input.Name}: {summary.BadLines:N0} of {summary.BadLines + read:N0} lines are not {format.Name} ({summary.FirstBadLine}); check --format"));
        }

        if (withoutUserAgent * 2 > read)
        {
            throw new LogRefusedException(string.Create(c, $"{input.Name}: {withoutUserAgent:N0} of {read:N0} requests have no User-Agent; {NoUserAgentAdvice}"));
        }

        return 0;
    }

    private const string NoUserAgentAdvice =
        "without it every request looks automated. Log the User-Agent (the combined format, not the common one; "
        + "a JSON key mapped with --fields ua=KEY; cs(User-Agent) in W3C #Fields) and replay again";

    /// <summary>
    /// The outcome file is created empty: when it names a file this run reads, that file would be lost (on Linux nothing
    /// stops a second open of a file being read). Paths compare as the file system would reach them.
    /// </summary>
    private static void RefuseToOverwriteAnInput(string? outFile, params ReadOnlySpan<(string Switch, string? Path)> inputs)
    {
        if (outFile is null)
        {
            return;
        }

        var target = Path.GetFullPath(outFile);
        foreach (var (name, path) in inputs)
        {
            if (path is not null && string.Equals(Path.GetFullPath(path), target, StringComparison.Ordinal))
            {
                throw new LogRefusedException($"--out: {outFile} is the {name} file; name another file for the outcomes");
            }
        }
    }

    /// <summary>A sample whose every request lacks a User-Agent is refused before the replay: the log does not record it.</summary>
    private static void RefuseWithoutUserAgents(string name, IAccessLogFormat format, IReadOnlyList<(long Number, string Text)> sample)
    {
        var requests = sample.Select(line => format.Read(line.Text, line.Number, out _)).OfType<ReplayRequest>().ToList();
        if (requests.Count > 0 && requests.All(r => r.UserAgent is null))
        {
            var common = format is CombinedLogFormat ? " (the common log format?)" : string.Empty;
            throw new LogRefusedException($"{name}: none of the first {requests.Count} requests has a User-Agent{common}; {NoUserAgentAdvice}");
        }
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
    private sealed class OutcomeWriter(StreamWriter writer, bool json) : IAsyncDisposable
    {
        private readonly StreamWriter _writer = writer;
        private readonly bool _json = json;
        private bool _headerWritten;

        /// <summary>JSON lines for .jsonl or .json, CSV for any other name. A place that cannot be written refuses the command in one line (exit code 1).</summary>
        public static OutcomeWriter Create(string path)
        {
            if (Directory.Exists(path))
            {
                throw new LogRefusedException($"--out: cannot write {path}: it is a directory");
            }

            try
            {
                var json = path.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".json", StringComparison.OrdinalIgnoreCase);
                return new OutcomeWriter(new StreamWriter(path, append: false, new UTF8Encoding(false), 1 << 16), json);
            }
            catch (DirectoryNotFoundException)
            {
                throw new LogRefusedException($"--out: cannot write {path}: directory {Path.GetDirectoryName(Path.GetFullPath(path))} not found");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new LogRefusedException($"--out: cannot write {path}: {e.Message}");
            }
        }

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
