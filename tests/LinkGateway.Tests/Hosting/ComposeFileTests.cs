using System.Diagnostics;

namespace LinkGateway.Hosting;

/// <summary>
/// docker-compose.yml, checked by `docker-compose config` (Debian's docker-compose package: no engine needed):
/// the file is valid, names every service, refuses to start without its secrets, and the balancer's fixed
/// address is the one the gateways trust.
/// </summary>
public sealed class ComposeFileTests
{
    private const string Key = "c2lnbmluZy1rZXktZm9yLWNvbXBvc2UtY29uZmlnLWNoZWNr";
    private const string AdminToken = "an-admin-token-of-at-least-32-characters";

    [Fact]
    public async Task ComposeConfig_IsValid_WithRedisOriginTwoGatewaysAndABalancer()
    {
        var (exitCode, output) = await ComposeConfigAsync(("LINKGATEWAY_SIGNING_KEY", Key), ("LINKGATEWAY_ADMIN_TOKEN", AdminToken));

        Assert.True(exitCode == 0, output);
        foreach (var service in new[] { "redis:", "origin:", "gateway-1:", "gateway-2:", "lb:" })
        {
            Assert.Contains($"\n  {service}", output, StringComparison.Ordinal);
        }

        Assert.Contains("ipv4_address: 172.28.0.10", output, StringComparison.Ordinal);
        Assert.Equal(2, CountOf(output, "LinkGateway__ForwardedHeaders__KnownProxies__0: 172.28.0.10"));
        Assert.Equal(2, CountOf(output, $"LinkGateway__Signing__Key: {Key}"));
        var balancer = await File.ReadAllTextAsync(Path.Combine(RepoFiles.Root, "config", "lb", "nginx.conf"));
        Assert.Contains("server gateway-1:8080", balancer, StringComparison.Ordinal);
        Assert.Contains("server gateway-2:8080", balancer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ComposeConfig_WithoutTheSigningKey_RefusesAndSaysWhichVariable()
    {
        var (exitCode, output) = await ComposeConfigAsync(("LINKGATEWAY_ADMIN_TOKEN", AdminToken));

        Assert.NotEqual(0, exitCode);
        Assert.Contains("LINKGATEWAY_SIGNING_KEY", output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("docs/operations/deploy.md")]
    [InlineData("docs/getting-started.md")]
    [InlineData("docker-compose.yml")] // its own header comment
    public void ComposeSectionOfTheDocs_NamesExactlyTheFilesSecretsAndOnlyPublishedPorts(string document)
    {
        var compose = File.ReadAllText(Path.Combine(RepoFiles.Root, "docker-compose.yml"));
        var required = System.Text.RegularExpressions.Regex.Matches(compose, @"\$\{(?<name>[A-Z_]+):\?").Select(m => m.Groups["name"].Value).ToHashSet();
        var published = System.Text.RegularExpressions.Regex.Matches(compose, @"- ""127\.0\.0\.1:(?<port>\d+):\d+""").Select(m => m.Groups["port"].Value).ToHashSet();
        var text = File.ReadAllText(Path.Combine(RepoFiles.Root, document));
        var section = document.EndsWith(".md", StringComparison.Ordinal) ? Section(text, "## docker-compose") : text[..text.IndexOf("\nservices:", StringComparison.Ordinal)];

        var upLine = Assert.Single(section.Split('\n'), l => l.Contains("docker compose up", StringComparison.Ordinal));
        Assert.Contains("docker-compose up --build", section, StringComparison.Ordinal); // Debian's standalone 1.29 has no `docker compose`
        Assert.Equal(required.Order(StringComparer.Ordinal),
            System.Text.RegularExpressions.Regex.Matches(upLine, @"(?<name>[A-Z_]+)=").Select(m => m.Groups["name"].Value).Order(StringComparer.Ordinal));
        var named = System.Text.RegularExpressions.Regex.Matches(section, @"127\.0\.0\.1:(?<port>\d+)").Select(m => m.Groups["port"].Value).ToHashSet();
        Assert.NotEmpty(named);
        Assert.Subset(published, named);
        Assert.Equal(["8080", "9091", "9092"], published.Order(StringComparer.Ordinal));
    }

    /// <summary>From a heading to the next heading of the same level.</summary>
    private static string Section(string markdown, string heading)
    {
        var start = markdown.IndexOf("\n" + heading + "\n", StringComparison.Ordinal);
        Assert.True(start >= 0, $"no section {heading}");
        var end = markdown.IndexOf("\n## ", start + heading.Length + 2, StringComparison.Ordinal);
        return end < 0 ? markdown[start..] : markdown[start..end];
    }

    private static int CountOf(string text, string value) => text.Split(value).Length - 1;

    private static async Task<(int ExitCode, string Output)> ComposeConfigAsync(params (string Name, string Value)[] environment)
    {
        var executable = new[] { "/usr/bin/docker-compose", "/usr/local/bin/docker-compose" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("docker-compose not found: install Debian's docker-compose (apt-get install -y docker-compose).");
        var info = new ProcessStartInfo(executable) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepoFiles.Root };
        foreach (var arg in new[] { "-f", "docker-compose.yml", "config" })
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("LINKGATEWAY_SIGNING_KEY");
        info.Environment.Remove("LINKGATEWAY_ADMIN_TOKEN");
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, "\n" + await stdout + await stderr);
    }
}
