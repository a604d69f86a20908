using System.Diagnostics;

namespace LinkGateway.Deployment;

/// <summary>
/// config/deploy/systemd/linkgateway.service: the hardening an operator expects, read key by key, and — where systemd is
/// installed (it is on this project's machines; elsewhere the test reports itself skipped with the reason) — `systemd-analyze verify`, which
/// refuses unknown keys and bad values, with ExecStart pointed at this build's program since /opt/linkgateway is not here.
/// </summary>
public sealed class SystemdUnitTests
{
    private static readonly string _unitFile = Path.Combine(RepoFiles.Root, "config", "deploy", "systemd", "linkgateway.service");

    [Theory]
    [InlineData("NoNewPrivileges", "yes")]
    [InlineData("ProtectSystem", "strict")]
    [InlineData("ProtectHome", "yes")]
    [InlineData("PrivateTmp", "yes")]
    [InlineData("PrivateDevices", "yes")]
    [InlineData("DynamicUser", "yes")]
    [InlineData("CapabilityBoundingSet", "")]
    [InlineData("AmbientCapabilities", "")]
    [InlineData("RestrictAddressFamilies", "AF_INET AF_INET6 AF_UNIX AF_NETLINK")]
    [InlineData("SystemCallFilter", "@system-service")]
    [InlineData("StateDirectory", "linkgateway")]
    [InlineData("ReadWritePaths", "/var/lib/linkgateway")]
    [InlineData("Environment", "LinkGateway__Shield__KeyRingPath=/var/lib/linkgateway/keys")]
    [InlineData("EnvironmentFile", "/etc/linkgateway/linkgateway.env")]
    [InlineData("RestartPreventExitStatus", "2")] // a configuration error (exit 2) is not retried
    public void Unit_HasTheHardeningAndPathsOperatorsExpect(string key, string value)
    {
        Assert.Contains(value, Values(key));
    }

    [Fact]
    public void Unit_DoesNotSetMemoryDenyWriteExecute_WhichStopsDotNetsJit_AndSaysWhy()
    {
        var text = File.ReadAllText(_unitFile);

        Assert.Empty(Values("MemoryDenyWriteExecute"));
        Assert.Contains("# MemoryDenyWriteExecute is deliberately NOT set: .NET's JIT", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Unit_KeepsSecretsOutOfTheUnitAndTheCommandLine()
    {
        Assert.All(Values("Environment").Concat(Values("ExecStart")), v =>
        {
            Assert.DoesNotContain("Signing", v, StringComparison.Ordinal);
            Assert.DoesNotContain("Token", v, StringComparison.Ordinal);
            Assert.DoesNotContain("password", v, StringComparison.OrdinalIgnoreCase);
        });
    }

    /// <summary>systemd's own reading of the unit: offline, no running systemd needed (tests/run-tests.sh installs the package).</summary>
    [Fact]
    public async Task Unit_PassesSystemdAnalyzeVerify_WithoutAWarning()
    {
        var analyze = new[] { "/usr/bin/systemd-analyze", "/bin/systemd-analyze" }.FirstOrDefault(File.Exists);
        Assert.True(analyze is not null, "systemd-analyze not found: install Debian's systemd package (apt-get install -y systemd)");
        var folder = Directory.CreateTempSubdirectory("lg-systemd-");
        try
        {
            var program = Path.Combine(AppContext.BaseDirectory, "LinkGateway");
            var unit = Path.Combine(folder.FullName, "linkgateway.service");
            await File.WriteAllTextAsync(unit, (await File.ReadAllTextAsync(_unitFile)).Replace("ExecStart=/opt/linkgateway/LinkGateway ", $"ExecStart={program} ", StringComparison.Ordinal));
            var start = new ProcessStartInfo(analyze!) { RedirectStandardError = true, RedirectStandardOutput = true, ArgumentList = { "verify", unit } };

            var (exitCode, stdout, stderr) = await Infrastructure.GatewayProcess.RunWithOutputAsync(start);

            Assert.True(exitCode == 0, stderr + stdout);
            Assert.Equal(string.Empty, stderr + stdout); // unknown keys are only warned about, with exit 0
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>Every value assigned to <paramref name="key"/> in the unit (systemd allows a key several times).</summary>
    private static List<string> Values(string key) => File.ReadAllLines(_unitFile)
        .Where(l => l.StartsWith(key + "=", StringComparison.Ordinal))
        .Select(l => l[(key.Length + 1)..])
        .ToList();
}
