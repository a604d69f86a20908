using LinkGateway.Hosting;
using LinkGateway.Infrastructure;

namespace LinkGateway.Evaluation;

/// <summary>The evaluate command on real files: refused lines, labels, per-request output, exit codes as a process. Formats: <see cref="EvaluateFormatsTests"/>.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-evaluate-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task ReplaysJsonLines_CountsBadLines_AndWritesVerdicts()
    {
        var log = Path.Combine(_folder.FullName, "access.log");
        await File.WriteAllLinesAsync(log,
        [
            """{"time":"2026-11-20T08:00:05Z","ip":"203.0.113.5","method":"GET","url":"/c/m-1/r-1/l-1?t=1795248000","user_agent":"curl/8.5.0"}""",
            """{"time":"2026-11-20T09:00:00Z","ip":"198.51.100.7","method":"GET","url":"/c/m-1/r-2/l-1","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36","accept":"text/html","accept_language":"en","sec_fetch_mode":"navigate","https":true}""",
            """{"time":"2026-11-20T09:00:01Z","ip":"40.107.3.10","url":"/u/m-1/r-3","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"}""",
            "this is not a log line",
            """{"time":"2026-11-20T09:00:02Z","ip":"198.51.100.8","url":"/o/m-1/r-4","user_agent":"Mozilla/5.0","label":"bot"}""",
            """{"time":"2026-11-20T09:00:03Z","ip":"198.51.100.9","url":"/h/m-1/r-5","user_agent":"Mozilla/5.0"}""",
        ]);
        var labels = Path.Combine(_folder.FullName, "labels.csv");
        await File.WriteAllLinesAsync(labels, ["line,label", "1,bot", "2,human", "3,bot"]);
        var csv = Path.Combine(_folder.FullName, "verdicts.csv");
        var output = new StringWriter();

        var exit = await EvaluateCommand.RunAsync(["--log", log, "--labels", labels, "--out", csv, "--config", RepoFiles.ConfigFile], output, TextWriter.Null);

        var report = output.ToString();
        Assert.Equal(0, exit);
        Assert.StartsWith("format: json (detected from the first 6 lines", report);
        Assert.Contains("requests 5; lines refused 1;", report);
        Assert.Contains("refused line 4: bad JSON", report);
        Assert.Contains("unsubscribes shielded (the origin would not have been called): 1", report);
        Assert.Contains("precision (bot verdicts labelled bot): 100.00 %", report);
        Assert.Contains("people flagged suspect or bot: 0.00 %", report);
        var rows = await File.ReadAllLinesAsync(csv);
        Assert.Equal("line,time,client,method,target,kind,score,verdict,reasons,action,label", rows[0]);
        Assert.Equal(6, rows.Length);
        Assert.StartsWith("1,", rows[1]);
        Assert.Contains(",click,", rows[1]);
        Assert.Contains(",bot,ua.library", rows[1]); // no header field in the line: header shape unknown, only the User-Agent speaks
        Assert.Contains(",human,,forward,human", rows[2]);
        Assert.Contains(",interstitial,bot", rows[3]);
        Assert.Contains("open.machine", rows[4]);
        Assert.Contains(",honeypot,", rows[5]);
        Assert.Contains(",neutral-page,", rows[5]); // spelt as in request logs and metrics
    }

    [Fact]
    public async Task AsAProcess_MissingLog_IsRefusedInOneLineWithExitCode1()
    {
        var (exitCode, stderr) = await GatewayProcess.RunAsync("evaluate", "--log", "/nonexistent/access.log");

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, exitCode);
        Assert.Equal("evaluate: cannot read /nonexistent/access.log: file not found", stderr);
    }

    [Fact]
    public async Task UnreadableLabelLines_AreCountedAndReported_AndRatesWithoutALabelSayNa()
    {
        var log = Path.Combine(_folder.FullName, "access.log");
        await File.WriteAllLinesAsync(log,
        [
            """{"time":"2026-11-20T08:00:05Z","ip":"203.0.113.5","method":"GET","url":"/c/m-1/r-1/l-1","user_agent":"curl/8.5.0"}""",
            """{"time":"2026-11-20T08:00:06Z","ip":"203.0.113.6","method":"GET","url":"/c/m-1/r-2/l-1","user_agent":"python-requests/2.32.3"}""",
            """{"time":"2026-11-20T08:00:07Z","ip":"203.0.113.7","method":"GET","url":"/c/m-1/r-3/l-1","user_agent":"curl/8.5.0"}""",
        ]);
        var labels = Path.Combine(_folder.FullName, "labels.csv");
        await File.WriteAllLinesAsync(labels, ["line,label", "1,bot", "foo", "3,maybe", "", "2,bot"]);
        var output = new StringWriter();

        var exit = await EvaluateCommand.RunAsync(["--log", log, "--labels", labels, "--config", RepoFiles.ConfigFile], output, TextWriter.Null);

        var report = output.ToString();
        Assert.Equal(0, exit);
        Assert.Contains($"labels: 2 read from {labels}; 2 lines unreadable and not counted (first: line 3: \"foo\"; expected LINE,bot or LINE,human)", report);
        Assert.Contains("labelled 2:", report);
        Assert.Contains("precision (bot verdicts labelled bot): 100.00 %", report);
        Assert.Contains("people flagged suspect or bot: n/a; called bot: n/a", report); // no line is labelled human
        // The report names the files, whose random folder name may hold "NaN" itself (it did: lg-evaluate-kUNaNg).
        Assert.DoesNotContain("NaN", report.Replace(_folder.FullName, "FOLDER", StringComparison.Ordinal));
    }

    [Fact]
    public async Task UnreadableLabelInTheLog_IsReported_AndTheLabelsFileSpeaksForTheLine()
    {
        var log = Path.Combine(_folder.FullName, "access.log");
        await File.WriteAllLinesAsync(log,
        [
            """{"time":"2026-11-20T08:00:05Z","ip":"203.0.113.5","method":"GET","url":"/c/m-1/r-1/l-1","user_agent":"curl/8.5.0","label":"-"}""",
        ]);
        var labels = Path.Combine(_folder.FullName, "labels.csv");
        await File.WriteAllLinesAsync(labels, ["1,bot"]);
        var output = new StringWriter();

        var exit = await EvaluateCommand.RunAsync(["--log", log, "--labels", labels, "--config", RepoFiles.ConfigFile], output, TextWriter.Null);

        var report = output.ToString();
        Assert.Equal(0, exit);
        Assert.Contains("labels in the log: 1 unreadable, the --labels file's used instead or not counted (first: line 1: \"-\"; expected bot or human)", report);
        Assert.Contains("labelled 1:", report);
        Assert.Contains("recall (labelled bot flagged suspect or bot): 100.00 %", report);
    }

    [Theory]
    [InlineData("missing.csv", "cannot read {0}/missing.csv: file not found")]
    [InlineData("", "cannot read {0}: it is a directory")]
    public async Task AsAProcess_LabelsMissingOrADirectory_IsRefusedInOneLineWithExitCode1(string name, string expected)
    {
        var labels = Path.Combine(_folder.FullName, name);

        var (exitCode, stderr) = await GatewayProcess.RunAsync("evaluate", "--log", await WriteOneRequestLogAsync(), "--labels", labels, "--config", RepoFiles.ConfigFile);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, exitCode);
        Assert.Equal("evaluate: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, _folder.FullName), stderr);
    }

    [Fact]
    public async Task AsAProcess_OutIntoAMissingDirectory_IsRefusedInOneLineWithExitCode1()
    {
        var missing = Path.Combine(_folder.FullName, "no-such-folder");

        var (exitCode, stderr) = await GatewayProcess.RunAsync("evaluate", "--log", await WriteOneRequestLogAsync(), "--out", Path.Combine(missing, "v.csv"), "--config", RepoFiles.ConfigFile);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, exitCode);
        Assert.Equal($"evaluate: --out: cannot write {missing}/v.csv: directory {missing} not found", stderr);
    }

    [Theory]
    [InlineData("--log")]
    [InlineData("--labels")]
    public async Task AsAProcess_OutNamingAFileItReads_IsRefused_AndThatFileIsUntouched(string input)
    {
        var log = await WriteOneRequestLogAsync();
        var labels = Path.Combine(_folder.FullName, "labels.csv");
        await File.WriteAllTextAsync(labels, "1,bot\n");
        var target = input == "--log" ? log : labels;
        var before = await File.ReadAllBytesAsync(target);

        // The same file named another way (a relative path through its folder) is still the same file.
        var (exitCode, stderr) = await GatewayProcess.RunAsync("evaluate", "--log", log, "--labels", labels,
            "--out", Path.Combine(_folder.FullName, ".", Path.GetFileName(target)), "--config", RepoFiles.ConfigFile);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, exitCode);
        Assert.StartsWith($"evaluate: --out: ", stderr, StringComparison.Ordinal);
        Assert.Contains($"is the {input} file", stderr, StringComparison.Ordinal);
        Assert.Equal(before, await File.ReadAllBytesAsync(target));
    }

    [Fact]
    public async Task AsAProcess_UnknownFormat_IsACommandLineErrorWithExitCode2()
    {
        var (exitCode, stderr) = await GatewayProcess.RunAsync("evaluate", "--log", "/nonexistent/access.log", "--format", "syslog");

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.StartsWith("config error: --format: unknown format \"syslog\" (one of w3c, alb, cloudflare, json, nginx-json, nginx-combined, apache-combined)", stderr);
    }

    private async Task<string> WriteOneRequestLogAsync()
    {
        var log = Path.Combine(_folder.FullName, "one.log");
        await File.WriteAllLinesAsync(log, ["""{"time":"2026-11-20T08:00:05Z","ip":"203.0.113.5","method":"GET","url":"/c/m-1/r-1/l-1","user_agent":"curl/8.5.0"}"""]);
        return log;
    }
}
