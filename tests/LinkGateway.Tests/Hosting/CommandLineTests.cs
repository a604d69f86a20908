using System.Reflection;
using LinkGateway.Infrastructure;

namespace LinkGateway.Hosting;

/// <summary>
/// The gateway's command line as an operator meets it, through the real entry point as a child process: --help, --version,
/// a mistyped switch, the `healthcheck` command the container image's HEALTHCHECK runs, and the start-up summary.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly string _validKey = Convert.ToBase64String(new byte[32]);

    [Theory]
    [InlineData("--help")]
    [InlineData("-h")]
    [InlineData("help")]
    public async Task Help_PrintsUsageSwitchesExitCodesAndExamples_AndExits0(string help)
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunWithOutputAsync(help);

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, stderr);
        foreach (var expected in new[] { "Usage:", "--config FILE", "--demo", "--urls", "--SECTION:KEY=VALUE", "healthcheck [URL]", "evaluate --log FILE", "refresh-networks", "Exit codes:", "Examples:" })
        {
            Assert.Contains(expected, stdout, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Help_AmongOtherSwitches_PrintsUsageAndStartsNothing()
    {
        var (exitCode, stdout, _) = await GatewayProcess.RunWithOutputAsync("--config", RepoFiles.ConfigFile, "--help");

        Assert.Equal(0, exitCode);
        Assert.StartsWith("LinkGateway: a reverse proxy", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_PrintsTheInformationalVersionAndCommit_AndExits0()
    {
        var informational = typeof(GatewayUsage).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()!.InformationalVersion;

        var (exitCode, stdout, stderr) = await GatewayProcess.RunWithOutputAsync("--version");

        Assert.Equal(0, exitCode);
        Assert.Equal(string.Empty, stderr);
        var parts = informational.Split('+', 2);
        Assert.Equal(parts.Length == 2 ? $"LinkGateway {parts[0]} (commit {parts[1]})" : $"LinkGateway {parts[0]}", stdout);
    }

    [Theory]
    [InlineData("--conifg", "config error: --conifg: unknown switch (switches: --config FILE, --demo, --urls URLS, --SECTION:KEY=VALUE; see --help)")]
    [InlineData("-d", "config error: -d: unknown switch")]
    [InlineData("serve", "config error: serve: unknown switch")]
    [InlineData("--LinkGatway:Mode=observe", "config error: --LinkGatway:Mode=observe: unknown switch")]
    [InlineData("--urls", "config error: --urls: needs a value (--KEY VALUE or --KEY=VALUE)")]
    [InlineData("--config", "config error: --config: needs a file path")]
    public async Task UnknownSwitchOrMissingValue_ExitsWith2AndOneLineNamingIt(string mistake, string expected)
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunWithOutputAsync("--LinkGateway:Signing:Key=" + _validKey, "--urls=http://127.0.0.1:0", mistake);

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.StartsWith(expected, Assert.Single(stderr.Split('\n')), StringComparison.Ordinal);
        Assert.Equal(string.Empty, stdout); // refused before anything started
    }

    [Fact]
    public async Task StartUpErrorOutsideTheValidator_AMissingCertificate_ExitsWith2AndOneLine_NoStackTraceAnywhere()
    {
        var (exitCode, stdout, stderr) = await GatewayProcess.RunWithOutputAsync("--config", RepoFiles.ConfigFile, $"--LinkGateway:Signing:Key={_validKey}",
            "--Kestrel:Endpoints:https:Url=https://127.0.0.1:0", "--Kestrel:Endpoints:https:Certificate:Path=/nonexistent/gateway.pem");

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.Equal("config error: --urls, ASPNETCORE_URLS or Kestrel:Endpoints: Could not find a part of the path '/nonexistent/gateway.pem'.", Assert.Single(stderr.Split('\n')));
        Assert.DoesNotContain("   at ", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("healthcheck nope", "config error: healthcheck: \"nope\" is not an absolute http:// or https:// URL")]
    [InlineData("healthcheck http://127.0.0.1:1/healthz http://127.0.0.1:2/healthz", "config error: healthcheck: takes at most one URL")]
    public async Task HealthCheck_WithABadUrl_ExitsWith2(string command, string expected)
    {
        var (exitCode, _, stderr) = await GatewayProcess.RunWithOutputAsync(command.Split(' '));

        Assert.Equal(GatewayConfigurationException.ExitCode, exitCode);
        Assert.StartsWith(expected, Assert.Single(stderr.Split('\n')), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_WhereNothingListens_ExitsWith1AndSaysWhy()
    {
        var port = RedisServer.FreeLoopbackPort();

        var (exitCode, _, stderr) = await GatewayProcess.RunWithOutputAsync("healthcheck", $"http://127.0.0.1:{port}/healthz");

        Assert.Equal(HealthCheckCommand.Unhealthy, exitCode);
        Assert.StartsWith($"unhealthy: http://127.0.0.1:{port}/healthz: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HealthCheck_AgainstARunningGateway_Exits0_GivenTheUrlOrFindingItInTheEnvironmentAsInTheImage()
    {
        var port = RedisServer.FreeLoopbackPort();
        await using var gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{port}/healthz")],
            "--config", RepoFiles.ConfigFile, "--urls", $"http://127.0.0.1:{port}", $"--LinkGateway:Signing:Key={_validKey}");

        var given = await GatewayProcess.RunWithOutputAsync("healthcheck", $"http://127.0.0.1:{port}/healthz");
        // The image sets ASPNETCORE_URLS=http://+:8080 and its HEALTHCHECK runs `healthcheck` with no URL.
        var fromImageEnvironment = GatewayProcess.StartInfo("healthcheck");
        fromImageEnvironment.Environment["ASPNETCORE_URLS"] = $"http://+:{port}";
        var found = await GatewayProcess.RunWithOutputAsync(fromImageEnvironment);
        var notFound = GatewayProcess.StartInfo("healthcheck");
        notFound.Environment["ASPNETCORE_URLS"] = $"http://+:{RedisServer.FreeLoopbackPort()}";
        var elsewhere = await GatewayProcess.RunWithOutputAsync(notFound);

        Assert.Equal((0, $"healthy: http://127.0.0.1:{port}/healthz answered 200"), (given.ExitCode, given.StandardOutput));
        Assert.Equal((0, $"healthy: http://127.0.0.1:{port}/healthz answered 200"), (found.ExitCode, found.StandardOutput));
        Assert.Equal(HealthCheckCommand.Unhealthy, elsewhere.ExitCode);
    }

    [Theory]
    [InlineData("http://+:8080", null, "http://127.0.0.1:8080/healthz")]
    [InlineData("http://*:8080;https://*:8443", null, "http://127.0.0.1:8080/healthz")]
    [InlineData("http://0.0.0.0:9000", null, "http://127.0.0.1:9000/healthz")]
    [InlineData("http://[::]:9000", null, "http://127.0.0.1:9000/healthz")]
    [InlineData("https://localhost:8443", null, "https://127.0.0.1:8443/healthz")]
    [InlineData("http://10.0.0.5:8080", null, "http://10.0.0.5:8080/healthz")]
    [InlineData(null, "8080", "http://127.0.0.1:8080/healthz")] // what the .NET images set when ASPNETCORE_URLS is not
    [InlineData(null, null, "http://127.0.0.1:5000/healthz")] // Kestrel's default
    public void HealthCheck_WithoutAUrl_AsksLoopbackAtTheListeningPort(string? urls, string? httpPorts, string expected)
    {
        Assert.Equal(new Uri(expected), HealthCheckCommand.FromEnvironment(urls, httpPorts));
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("70000")]
    [InlineData("-1")]
    public void HealthCheck_WithAPortThatIsNotOne_SaysWhichVariable_InsteadOfFailing(string httpPorts)
    {
        var refused = Assert.Throws<GatewayConfigurationException>(() => HealthCheckCommand.FromEnvironment(null, httpPorts));

        Assert.Contains($"ASPNETCORE_HTTP_PORTS \"{httpPorts}\" is not a port", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartupSummary_NamesVersionAddressesStoreModeAndSignatureAges_NeverTheAdminToken()
    {
        await using var redis = await RedisServer.StartAsync(local: true);
        var port = RedisServer.FreeLoopbackPort();
        var adminPort = RedisServer.FreeLoopbackPort();
        await using var gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{port}/healthz")],
            "--config", RepoFiles.ConfigFile, "--urls", $"http://127.0.0.1:{port}", $"--LinkGateway:Signing:Key={_validKey}",
            $"--LinkGateway:Redis:Configuration={redis.Configuration}", "--LinkGateway:Mode=observe",
            $"--LinkGateway:Admin:Urls=http://127.0.0.1:{adminPort}", $"--LinkGateway:Admin:Token={AdminEndpoint.Token}");

        var summary = await LineAsync(gateway, " started: proxy ");

        Assert.Contains($"{GatewayUsage.Version} started: proxy http://127.0.0.1:{port}; admin http://127.0.0.1:{adminPort}; store redis {redis.Configuration}; mode observe; signatures ", summary, StringComparison.Ordinal);
        Assert.Matches(@"\(\d+ network lists, newest \d+ days old, oldest \d+ days old\)", summary);
        Assert.DoesNotContain(AdminEndpoint.Token, gateway.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "in-process")]
    [InlineData("redis:6379", "redis redis:6379")]
    [InlineData("r1.internal:6379,r2.internal:6380,password=s3cret,ssl=true,user=gw", "redis r1.internal:6379,r2.internal:6380")]
    public void StartupSummary_Store_NamesTheEndpointsWithoutPasswordOrOptions(string configuration, string expected)
    {
        Assert.Equal(expected, StartupSummary.Store(configuration));
    }

    /// <summary>The first console line containing <paramref name="text"/>; the summary is written just after the ports open.</summary>
    private static async Task<string> LineAsync(RunningGateway gateway, string text)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (gateway.Output.Split('\n').FirstOrDefault(l => l.Contains(text, StringComparison.Ordinal)) is { } line)
            {
                return line;
            }

            await Task.Delay(50, deadline.Token); // the child's output has no signal but its pipe: poll what it wrote so far
        }
    }
}
