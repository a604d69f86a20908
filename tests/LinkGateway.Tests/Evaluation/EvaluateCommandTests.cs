using LinkGateway.Hosting;
using LinkGateway.Infrastructure;

namespace LinkGateway.Evaluation;

/// <summary>The evaluate command on real files: both log formats, refused lines, labels, per-request output.</summary>
public sealed class EvaluateCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-evaluate-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Fact]
    public async Task ReplaysBothFormats_CountsBadLines_AndWritesVerdicts()
    {
        var log = Path.Combine(_folder.FullName, "access.log");
        await File.WriteAllLinesAsync(log,
        [
            """203.0.113.5 - - [20/Nov/2026:08:00:05 +0000] "GET /c/m-1/r-1/l-1?t=1795248000 HTTP/1.1" 302 0 "-" "curl/8.5.0" """,
            """{"time":"2026-11-20T09:00:00Z","ip":"198.51.100.7","method":"GET","url":"/c/m-1/r-2/l-1","user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36","accept":"text/html","accept_language":"en","sec_fetch_mode":"navigate","https":true}""",
            """40.107.3.10 - - [20/Nov/2026:09:00:01 +0000] "GET /u/m-1/r-3 HTTP/1.1" 200 512 "-" "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36" """,
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
        Assert.Contains("requests 5; lines refused 1;", report);
        Assert.Contains("refused line 4: not combined log format", report);
        Assert.Contains("unsubscribes shielded (the origin would not have been called): 1", report);
        Assert.Contains("precision (bot verdicts labelled bot): 100.00 %", report);
        Assert.Contains("people flagged suspect or bot: 0.00 %", report);
        var rows = await File.ReadAllLinesAsync(csv);
        Assert.Equal("line,time,client,method,target,kind,score,verdict,reasons,action,label", rows[0]);
        Assert.Equal(6, rows.Length);
        Assert.StartsWith("1,", rows[1]);
        Assert.Contains(",click,", rows[1]);
        Assert.Contains(",bot,ua.library", rows[1]); // combined format: header shape unknown, only the User-Agent speaks
        Assert.Contains(",human,,forward,human", rows[2]);
        Assert.Contains(",interstitial,bot", rows[3]);
        Assert.Contains("open.machine", rows[4]);
        Assert.Contains(",honeypot,", rows[5]);
        Assert.Contains(",neutral-page,", rows[5]); // spelt as in request logs and metrics
    }

    [Fact]
    public async Task AsAProcess_MissingLog_IsAClearErrorWithExitCode2()
    {
        var (exitCode, stderr) = await GatewayProcess.RunAsync("evaluate", "--log", "/nonexistent/access.log");

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.Equal("config error: --log: file not found: /nonexistent/access.log", stderr);
    }
}
