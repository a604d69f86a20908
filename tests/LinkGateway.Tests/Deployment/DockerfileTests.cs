using System.Text.RegularExpressions;
using LinkGateway.Hosting;

namespace LinkGateway.Deployment;

/// <summary>
/// The Dockerfiles, read instruction by instruction (no Docker engine on CI, so no image is built): the runtime stage runs as
/// a numeric unprivileged user, has a HEALTHCHECK that runs the gateway's own `healthcheck` (tested for real in
/// CommandLineTests and ReadOnlyRootTests), and its one writable path besides /tmp is a volume that user owns.
/// </summary>
public sealed class DockerfileTests
{
    public static Dockerfile Gateway { get; } = Dockerfile.Read(Path.Combine(RepoFiles.Root, "src", "LinkGateway", "Dockerfile"));

    public static Dockerfile Origin { get; } = Dockerfile.Read(Path.Combine(RepoFiles.Root, "src", "LinkGateway.DemoOrigin", "Dockerfile"));

    [Fact]
    public void EveryImage_RunsAsANumericNonRootUser()
    {
        foreach (var image in new[] { Gateway, Origin })
        {
            Assert.Matches("^[0-9]+:[0-9]+$", image.User);
            Assert.NotEqual("0", image.User.Split(':')[0]);
            Assert.NotEqual("0", image.User.Split(':')[1]);
        }
    }

    [Fact]
    public void GatewayImage_HealthCheck_RunsTheGatewaysOwnHealthCheckCommand_NoCurl()
    {
        var healthcheck = Assert.Single(Gateway.Runtime, i => i.Keyword == "HEALTHCHECK").Arguments;
        var entrypoint = Assert.Single(Gateway.Runtime, i => i.Keyword == "ENTRYPOINT").Arguments;

        Assert.Matches("--interval=\\d+s", healthcheck);
        Assert.Matches("--timeout=\\d+s", healthcheck);
        // The same program as the entry point, with the `healthcheck` command and no URL: it finds the port in ASPNETCORE_URLS.
        Assert.EndsWith($"CMD {entrypoint.TrimEnd(']')}, \"healthcheck\"]", healthcheck, StringComparison.Ordinal);
        Assert.DoesNotContain("curl", healthcheck, StringComparison.Ordinal);
        Assert.DoesNotContain("wget", healthcheck, StringComparison.Ordinal);
    }

    [Fact]
    public void GatewayImage_ListensWhereItExposes_AndItsArgumentsParse()
    {
        var urls = Gateway.Environment["ASPNETCORE_URLS"];
        var expose = Assert.Single(Gateway.Runtime, i => i.Keyword == "EXPOSE").Arguments;
        var command = System.Text.Json.JsonSerializer.Deserialize<string[]>(Assert.Single(Gateway.Runtime, i => i.Keyword == "CMD").Arguments)!;

        Assert.Equal(expose, HealthCheckCommand.FromEnvironment(urls, null).Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal(["--config", "/app/config/linkgateway.json"], command);
        Assert.Equal("/app", Gateway.Runtime.Last(i => i.Keyword == "WORKDIR").Arguments);
        Assert.Contains(Gateway.Runtime, i => i.Keyword == "COPY" && i.Arguments == "config ./config"); // /app/config/linkgateway.json
        Assert.True(File.Exists(RepoFiles.ConfigFile));
    }

    [Fact]
    public void GatewayImage_WritesOnlyToAVolumeItsUserOwns_SoTheRootFilesystemCanBeReadOnly()
    {
        var keyRing = Gateway.Environment["LinkGateway__Shield__KeyRingPath"];
        var volume = Assert.Single(Gateway.Runtime, i => i.Keyword == "VOLUME").Arguments;
        var volumes = System.Text.Json.JsonSerializer.Deserialize<string[]>(volume)!;

        Assert.Contains(volumes, v => keyRing.StartsWith(v + "/", StringComparison.Ordinal));
        Assert.Contains(Gateway.Runtime, i => i.Keyword == "RUN" && i.Arguments.Contains($"chown -R {Gateway.User} {volumes.Single()}", StringComparison.Ordinal)
                                              && i.Arguments.Contains($"mkdir -p {keyRing}", StringComparison.Ordinal));
    }

    /// <summary>A Dockerfile as instructions, continuation lines joined and comments dropped.</summary>
    public sealed record Dockerfile(string Text, IReadOnlyList<Instruction> Instructions)
    {
        /// <summary>The instructions of the last stage: what the image runs with.</summary>
        public IReadOnlyList<Instruction> Runtime => Instructions.Skip(Instructions.ToList().FindLastIndex(i => i.Keyword == "FROM")).ToList();

        public string User => Runtime.Last(i => i.Keyword == "USER").Arguments;

        public IReadOnlyDictionary<string, string> Environment => Runtime.Where(i => i.Keyword == "ENV")
            .SelectMany(i => Regex.Matches(i.Arguments, "(?<name>[A-Za-z_][A-Za-z0-9_]*)=(?<value>\\S+)"))
            .ToDictionary(m => m.Groups["name"].Value, m => m.Groups["value"].Value);

        public static Dockerfile Read(string path)
        {
            var text = File.ReadAllText(path);
            var instructions = new List<Instruction>();
            var current = "";
            foreach (var raw in text.Split('\n'))
            {
                var line = raw.TrimEnd();
                if (line.TrimStart().StartsWith('#') || (line.Length == 0 && current.Length == 0))
                {
                    continue;
                }

                current += line.EndsWith('\\') ? line[..^1] + " " : line;
                if (!line.EndsWith('\\'))
                {
                    var split = current.Trim().Split(' ', 2);
                    instructions.Add(new Instruction(split[0].ToUpperInvariant(), Regex.Replace(split.Length > 1 ? split[1].Trim() : "", "\\s+", " ")));
                    current = "";
                }
            }

            return new Dockerfile(text, instructions);
        }
    }

    public sealed record Instruction(string Keyword, string Arguments);
}
