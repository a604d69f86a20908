using System.Globalization;
using System.IO.Compression;
using System.Text;
using LinkGateway.Hosting;

namespace LinkGateway.Evaluation;

/// <summary>
/// <c>evaluate</c> on a sample of each log format (samples/, written from each format's published field list), the
/// refusals (exit code 1, one line), command-line errors (exit code 2), the balancer warning and <c>--help</c>. Every sample
/// holds the same four requests: curl on a click, a person's click, python-requests on an open, another person's click.
/// </summary>
public sealed class EvaluateFormatsTests : IDisposable
{
    private static readonly string[] _sameFourVerdicts = ["click bot", "click human", "open bot", "click human"];
    private static readonly string[] _sameFourClients = ["203.0.113.5", "198.51.100.7", "2001:db8:5::9", "198.51.100.23"];

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-evaluate-formats-");

    public void Dispose() => _folder.Delete(recursive: true);

    [Theory]
    [InlineData("nginx-combined.log", null, "nginx-combined")]
    [InlineData("nginx-combined.log", "apache-combined", "apache-combined")]
    [InlineData("nginx-json.jsonl", null, "nginx-json")]
    [InlineData("alb.log", null, "alb")]
    [InlineData("cloudflare.jsonl", null, "cloudflare")]
    [InlineData("w3c.log", null, "w3c")]
    public async Task EachFormat_IsReadAndJudged_DetectedOrNamed(string sample, string? format, string reported)
    {
        var run = await EvaluateAsync(format is null ? ["--log", Sample(sample)] : ["--log", Sample(sample), "--format", format]);

        Assert.Equal(0, run.Exit);
        Assert.StartsWith(format is null ? $"format: {reported} (detected from the first" : $"format: {reported}{Environment.NewLine}", run.Report);
        Assert.Contains("requests 4; lines refused 0; without a route 0", run.Report);
        Assert.Equal(_sameFourVerdicts, run.Rows.Select(r => $"{r.Kind} {r.Verdict}"));
        Assert.Equal(_sameFourClients, run.Rows.Select(r => r.Client));
        Assert.Equal("2026-11-20T09:00:02", run.Rows[1].Time[..19]);
        Assert.Equal("/c/m-1/r-2/l-1?t=1795161600", run.Rows[1].Target);
        Assert.Equal("2026-11-20T11:30:04", run.Rows[3].Time[..19]);
    }

    [Fact]
    public async Task W3c_FollowsEachFieldsDirective_AndReadsLoggedHeaders()
    {
        var run = await EvaluateAsync("--log", Sample("w3c.log"));

        // Lines 5–7 under the first #Fields (IIS defaults), line 10 under the second, which logs Accept, Accept-Language
        // and Sec-Fetch-Mode: a Firefox navigation with all three is a person with no reason at all.
        Assert.Equal(["5", "6", "7", "10"], run.Rows.Select(r => r.Line));
        Assert.Equal("0", run.Rows[3].Score);
    }

    [Fact]
    public async Task W3c_WithoutFieldsDirective_ReadsIisDefaultColumns()
    {
        var log = Write("iis.log", [.. File.ReadLines(Sample("w3c.log")).Skip(4).Take(3)]);

        var run = await EvaluateAsync("--log", log, "--format", "w3c");

        Assert.Equal(0, run.Exit);
        Assert.Equal(_sameFourVerdicts[..3], run.Rows.Select(r => $"{r.Kind} {r.Verdict}"));
    }

    [Fact]
    public async Task Cloudflare_ReadsEachTimestampFormat()
    {
        var run = await EvaluateAsync("--log", Sample("cloudflare.jsonl"));

        // RFC 3339, unix seconds, unix nanoseconds, RFC 3339 with nanoseconds: the same clock.
        Assert.Equal(["2026-11-20T09:00:01", "2026-11-20T09:00:02", "2026-11-20T09:00:03", "2026-11-20T11:30:04"], run.Rows.Select(r => r.Time[..19]));
    }

    [Fact]
    public async Task NginxJson_WithAFieldMapping_ReadsAnyKeys_NestedKeysAndTheLastForwardedAddress()
    {
        var run = await EvaluateAsync("--log", Sample("nginx-json-custom.jsonl"), "--fields", "time=ts,address=client.forwarded_for,request=req,ua=agent");

        Assert.Equal(0, run.Exit);
        Assert.StartsWith("format: nginx-json (detected", run.Report);
        Assert.Equal(_sameFourVerdicts, run.Rows.Select(r => $"{r.Kind} {r.Verdict}"));
        Assert.Equal(_sameFourClients, run.Rows.Select(r => r.Client)); // "192.0.2.44, 203.0.113.5": the balancer's entry, not the client's claim
    }

    [Fact]
    public async Task NginxJson_WithUnknownKeysAndNoMapping_IsRefused_NamingTheKeys()
    {
        var run = await EvaluateAsync("--log", Sample("nginx-json-custom.jsonl"));

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Equal($"evaluate: {Sample("nginx-json-custom.jsonl")}: JSON lines whose keys name no known layout (ts, client, req, agent): pass --format nginx-json --fields time=KEY,address=KEY,uri=KEY,ua=KEY", run.Error.Trim());
        Assert.Empty(run.Rows);
    }

    [Fact]
    public async Task AFieldMappingThatReadsNothing_IsRefused_SayingWhy()
    {
        var run = await EvaluateAsync("--log", Sample("nginx-json-custom.jsonl"), "--fields", "time=when,request=req");

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Equal($"evaluate: {Sample("nginx-json-custom.jsonl")}: no line of the first 4 reads as nginx-json with --fields time=when,request=req (line 1: no time in \"when\")", run.Error.Trim());
    }

    [Fact]
    public async Task GzipCompressedLog_IsReadAsItsContent()
    {
        var log = Path.Combine(_folder.FullName, "alb.log.gz");
        await using (var gzip = new GZipStream(File.Create(log), CompressionLevel.Fastest))
        {
            await gzip.WriteAsync(await File.ReadAllBytesAsync(Sample("alb.log")));
        }

        var run = await EvaluateAsync("--log", log);

        Assert.Equal(0, run.Exit);
        Assert.StartsWith("format: alb", run.Report);
        Assert.Equal(_sameFourVerdicts, run.Rows.Select(r => $"{r.Kind} {r.Verdict}"));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("apache-combined")]
    public async Task ApacheCommonLog_IsRefused_NotEveryoneABot(string? format)
    {
        var run = await EvaluateAsync(format is null ? ["--log", Sample("apache-common.log")] : ["--log", Sample("apache-common.log"), "--format", format]);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.StartsWith($"evaluate: {Sample("apache-common.log")}: none of the first 3 requests has a User-Agent (the common log format?);", run.Error);
        Assert.Single(run.Error.Trim().Split('\n'));
        Assert.Empty(run.Rows);
    }

    [Fact]
    public async Task JsonWithoutUserAgents_IsRefused()
    {
        var log = Write("no-agent.jsonl", [.. Enumerable.Range(1, 5).Select(i => $$"""{"time_iso8601":"2026-11-20T09:00:0{{i}}+00:00","remote_addr":"198.51.100.{{i}}","request_uri":"/c/m-1/r-{{i}}/l-1"}""")]);

        var run = await EvaluateAsync("--log", log);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Contains("none of the first 5 requests has a User-Agent; without it every request looks automated", run.Error);
        Assert.Contains("--fields ua=KEY", run.Error);
    }

    [Fact]
    public async Task MostRequestsWithoutUserAgent_AfterTheSample_IsRefusedAfterTheReport()
    {
        var lines = Enumerable.Range(1, 30).Select(i =>
            $"198.51.100.{i} - - [20/Nov/2026:09:00:{i:00} +0000] \"GET /c/m-1/r-{i}/l-1 HTTP/1.1\" 302 0 \"-\" \"{(i % 3 == 0 ? "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0" : "-")}\"");
        var run = await EvaluateAsync("--log", Write("sparse.log", [.. lines]));

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Contains("requests 30;", run.Report);
        Assert.Contains("20 of 30 requests have no User-Agent", run.Error);
    }

    [Fact]
    public async Task MostLinesUnreadable_IsRefused_WithTheFirstBadLineNumbered()
    {
        var log = Write("mostly-bad.log",
        [
            """198.51.100.7 - - [20/Nov/2026:09:00:02 +0000] "GET /c/m-1/r-2/l-1 HTTP/1.1" 302 0 "-" "curl/8.5.0" """,
            "Nov 20 09:00:03 mail postfix/smtpd[1234]: connect from unknown[203.0.113.9]",
            "Nov 20 09:00:04 mail postfix/smtpd[1234]: lost connection after EHLO",
            "Nov 20 09:00:05 mail postfix/smtpd[1234]: disconnect from unknown[203.0.113.9]",
        ]);

        var run = await EvaluateAsync("--log", log);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Contains("refused line 2: not the combined log format", run.Report);
        Assert.Equal($"evaluate: {log}: 3 of 4 lines are not nginx-combined (line 2: not the combined log format); check --format", run.Error.Trim());
    }

    [Fact]
    public async Task AFewUnreadableLines_AreCountedAndShown_NotFatal()
    {
        var lines = File.ReadAllLines(Sample("nginx-combined.log")).ToList();
        lines.Insert(2, "198.51.100.9 - - [yesterday] \"GET /c/m-1/r-9/l-1 HTTP/1.1\" 302 0 \"-\" \"curl/8.5.0\"");

        var run = await EvaluateAsync("--log", Write("one-bad.log", [.. lines]));

        Assert.Equal(0, run.Exit);
        Assert.Contains("requests 4; lines refused 1;", run.Report);
        Assert.Contains("refused line 3: bad time \"yesterday\"", run.Report);
    }

    [Fact]
    public async Task BinaryInput_IsRefused()
    {
        var log = Path.Combine(_folder.FullName, "access.log.zst");
        await File.WriteAllBytesAsync(log, [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58, 0x61, 0x00, 0x00, 0x0A, 0xFF, 0xFE, 0x00, 0x01]);

        var run = await EvaluateAsync("--log", log);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Equal($"evaluate: {log} is not a text log (binary data on line 1); a compressed log other than gzip must be unpacked first", run.Error.Trim());
    }

    [Fact]
    public async Task UnknownTextFormat_IsRefused()
    {
        var log = Write("syslog.log", ["Nov 20 09:00:03 mail postfix/smtpd[1234]: connect from unknown[203.0.113.9]"]);

        var run = await EvaluateAsync("--log", log);

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.StartsWith($"evaluate: {log}: no known log format in the first 1 lines (line 1: \"Nov 20 09:00:03", run.Error);
    }

    [Fact]
    public async Task NamedFormatThatReadsNothing_IsRefused()
    {
        var run = await EvaluateAsync("--log", Sample("nginx-combined.log"), "--format", "alb");

        Assert.Equal(EvaluateCommand.InputRefusedExitCode, run.Exit);
        Assert.Contains("4 of 4 lines are not alb (line 1: not an AWS ALB access log entry)", run.Error);
    }

    [Fact]
    public async Task EmptyLogOrDirectory_IsRefused()
    {
        var empty = Write("empty.log", ["", "   "]);

        var emptyRun = await EvaluateAsync("--log", empty);
        var folderRun = await EvaluateAsync("--log", _folder.FullName);

        Assert.Equal((1, $"evaluate: {empty} holds no log lines"), (emptyRun.Exit, emptyRun.Error.Trim()));
        Assert.Equal((1, $"evaluate: cannot read {_folder.FullName}: it is a directory"), (folderRun.Exit, folderRun.Error.Trim()));
    }

    [Theory]
    [InlineData("--fields", "time=ts", "--format", "alb", "--fields: applies to the JSON formats (cloudflare, json, nginx-json), not to alb")]
    [InlineData("--fields", "when=ts", "--format", "nginx-json", "--fields: unknown field \"when\" (one of time, address, method, uri, request, ua, accept, accept_language, sec_fetch_mode, x_requested_with, https, label)")]
    [InlineData("--fields", "time", "--format", "json", "--fields: \"time\" is not field=key (time, address, method, uri, request, ua, accept, accept_language, sec_fetch_mode, x_requested_with, https, label)")]
    public async Task WrongFieldMapping_IsACommandLineError(string a, string b, string c, string d, string error)
    {
        var thrown = await Assert.ThrowsAsync<GatewayConfigurationException>(() => EvaluateAsync("--log", Sample("alb.log"), a, b, c, d));

        Assert.Equal([error], thrown.Errors);
    }

    [Theory]
    [InlineData("ua=agent")]
    [InlineData("time=ts,ua=agent")]
    public async Task AFieldMappingOnACombinedLog_WithoutFormat_IsTheSameCommandLineErrorAsWithIt(string fields)
    {
        var detected = await Assert.ThrowsAsync<GatewayConfigurationException>(() => EvaluateAsync("--log", Sample("nginx-combined.log"), "--fields", fields));
        var named = await Assert.ThrowsAsync<GatewayConfigurationException>(() => EvaluateAsync("--log", Sample("nginx-combined.log"), "--fields", fields, "--format", "nginx-combined"));

        Assert.Equal(["--fields: applies to the JSON formats (cloudflare, json, nginx-json), not to nginx-combined"], detected.Errors);
        Assert.Equal(named.Errors, detected.Errors);
    }

    [Fact]
    public async Task Help_NamesUsageFormatsOptionsAndExitCodes()
    {
        var output = new StringWriter();

        var exit = await EvaluateCommand.RunAsync(["--help"], output, TextWriter.Null);

        var help = output.ToString();
        Assert.Equal(0, exit);
        Assert.Contains(EvaluateCommand.Usage, help);
        Assert.All(AccessLogFormats.Names, name => Assert.Contains(name, help));
        Assert.All(new[] { "--log", "--format", "--fields", "--out", "--labels", "--config" }, option => Assert.Contains(option, help));
        Assert.Contains("exit codes: 0 replayed; 1 input refused", help);
        Assert.Contains("2 wrong command line", help);
        Assert.Contains("JSON lines when FILE ends in .jsonl or .json, CSV for any other name", help);
    }

    [Fact]
    public async Task LogWrittenBehindABalancer_AllFrom10000x_IsWarnedAbout()
    {
        var run = await EvaluateAsync("--log", Write("behind-lb.log", [.. People(200, i => $"10.0.0.{1 + (i % 3)}")]));

        Assert.Equal(0, run.Exit);
        Assert.Contains("warning: client addresses look like a balancer's or a proxy's: 100 % of requests come from 3 private, loopback or CDN addresses (10.0.0.", run.Report);
        Assert.Contains("real_ip_header X-Forwarded-For", run.Report);
        Assert.Contains("AWS ALB and Cloudflare Logpush logs already name the client", run.Report);
        Assert.Contains("evaluate: warning: client addresses look like a balancer's", run.Error);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(40)] // Cloudflare reaches an origin from many edge addresses: "few" holds a pool of balancers, not a CDN's edge
    public async Task LogWrittenBehindCloudflare_IsWarnedAbout_HoweverManyEdgeAddresses(int edges)
    {
        // 172.64.0.0/13 is in config/signatures/networks/cloudflare.json: the check finds the edge through the network lists.
        var run = await EvaluateAsync("--log", Write($"behind-cloudflare-{edges}.log", [.. People(200, i => $"172.70.{i % edges}.1")]));

        Assert.Equal(0, run.Exit);
        Assert.Contains($"warning: client addresses look like a balancer's or a proxy's: 100 % of requests come from {edges} private, loopback or CDN addresses (172.70.", run.Report);
    }

    [Fact]
    public async Task OnePublicAddressWithManyBrowsersAndRecipients_IsWarnedAbout()
    {
        var run = await EvaluateAsync("--log", Write("one-hop.log", [.. People(200, i => i % 2 == 0 ? "203.0.113.77" : $"198.51.{i / 200}.{i % 200 + 1}")]));

        Assert.Equal(0, run.Exit);
        Assert.Contains("warning: client addresses look like a balancer's or a proxy's: 50 % of requests come from 203.0.113.77 with at least 20 User-Agents and 20 recipients", run.Report);
    }

    [Fact]
    public async Task ClientsOwnAddresses_AreNotWarnedAbout()
    {
        var run = await EvaluateAsync("--log", Write("clients.log", [.. People(200, i => $"198.51.{i / 200}.{i % 200 + 1}")]));

        Assert.Equal(0, run.Exit);
        Assert.DoesNotContain("warning", run.Report);
        Assert.Equal(string.Empty, run.Error);
    }

    /// <summary>Clicks of <paramref name="count"/> recipients an hour after sending, with 29 browser builds, from the given addresses.</summary>
    private static IEnumerable<string> People(int count, Func<int, string> address) => Enumerable.Range(0, count).Select(i =>
        string.Create(CultureInfo.InvariantCulture,
            $"{address(i)} - - [20/Nov/2026:{9 + i / 3600:00}:{i / 60 % 60:00}:{i % 60:00} +0000] \"GET /c/m-1/r-{i}/l-1?t=1795161600 HTTP/1.1\" 302 0 \"-\" \"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{100 + i % 29}.0.0.0 Safari/537.36\""));

    private static string Sample(string name) => Path.Combine(RepoFiles.Root, "tests", "LinkGateway.Tests", "Evaluation", "samples", name);

    private string Write(string name, string[] lines)
    {
        var path = Path.Combine(_folder.FullName, name);
        File.WriteAllLines(path, lines, new UTF8Encoding(false));
        return path;
    }

    private async Task<Run> EvaluateAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var csv = Path.Combine(_folder.FullName, $"verdicts-{Guid.NewGuid():N}.csv");
        var exit = await EvaluateCommand.RunAsync([.. args, "--out", csv, "--config", RepoFiles.ConfigFile], output, error);
        var rows = File.Exists(csv) ? File.ReadLines(csv).Skip(1).Select(row => new Row(row.Split(','))).ToList() : [];
        return new Run(exit, output.ToString(), error.ToString(), rows);
    }

    private sealed record Run(int Exit, string Report, string Error, List<Row> Rows);

    /// <summary>A row of --out's CSV: line,time,client,method,target,kind,score,verdict,… (no column before verdict holds a comma).</summary>
    private sealed record Row(string[] Columns)
    {
        public string Line => Columns[0];

        public string Time => Columns[1];

        public string Client => Columns[2];

        public string Target => Columns[4];

        public string Kind => Columns[5];

        public string Score => Columns[6];

        public string Verdict => Columns[7];
    }
}
