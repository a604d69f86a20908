using System.Diagnostics;
using System.Net;
using LinkGateway.Infrastructure;

namespace LinkGateway.Deployment;

/// <summary>
/// The image's run-time conditions, reproduced without a container engine: the gateway runs as the image's user (uid and gid
/// from the Dockerfile's USER, no capabilities, no new privileges, HOME nonexistent), with the image's environment, so every
/// file of the program, the configuration and the rest of the machine is read-only to it (the tests run as root, for whom
/// `chmod a-w` would change nothing). Its only writable places are a folder standing for /tmp (TMPDIR) and one standing for the
/// key ring volume. It must start, pass its own HEALTHCHECK, serve the shield (which writes the key ring), and leave no file
/// of that user anywhere else.
/// </summary>
public sealed class ReadOnlyRootTests
{
    [Fact]
    public async Task Gateway_AsTheImagesUser_WithOnlyTmpAndTheKeyRingVolumeWritable_StartsServesAndWritesNowhereElse()
    {
        var user = DockerfileTests.Gateway.User;
        var folder = Directory.CreateTempSubdirectory("lg-readonly-");
        try
        {
            // The folder itself is the test's (0700): the user may pass through it to its two folders, and see nothing else.
            await RunAsync("chmod", "711", folder.FullName);
            var tmp = Directory.CreateDirectory(Path.Combine(folder.FullName, "tmp")).FullName;
            var keyRing = Directory.CreateDirectory(Path.Combine(folder.FullName, "volume", "keys")).FullName;
            await RunAsync("chown", "-R", user, tmp, Path.Combine(folder.FullName, "volume"));
            var port = RedisServer.FreeLoopbackPort();
            var imageUrls = DockerfileTests.Gateway.Environment["ASPNETCORE_URLS"];
            Assert.Equal("http://+:8080", imageUrls);
            var urls = imageUrls.Replace(":8080", $":{port}", StringComparison.Ordinal); // a free port here; the image's own in a container
            // The program and its configuration laid out as the image has them (/app, /app/config), owned by root: wherever the
            // repository was cloned, the image's user can reach them only here (a clone under a 0700 folder it could not).
            var programFolder = Path.Combine(folder.FullName, "app");
            await RunAsync("cp", "-r", AppContext.BaseDirectory.TrimEnd('/'), programFolder);
            await RunAsync("cp", "-r", Path.GetDirectoryName(RepoFiles.ConfigFile)!, Path.Combine(programFolder, "config"));
            await RunAsync("chmod", "-R", "a+rX,go-w", programFolder);
            var configFile = Path.Combine(programFolder, "config", Path.GetFileName(RepoFiles.ConfigFile));
            ProcessStartInfo Gateway(params string[] args)
            {
                var start = new ProcessStartInfo("dotnet") { WorkingDirectory = programFolder };
                start.ArgumentList.Add(Path.Combine(programFolder, "LinkGateway.dll"));
                foreach (var arg in args)
                {
                    start.ArgumentList.Add(arg);
                }

                return start;
            }

            Assert.NotEqual(0, (await RunAsync(AsImageUser(user, tmp, keyRing, urls, new ProcessStartInfo("test") { ArgumentList = { "-w", programFolder } }))).ExitCode);
            Assert.NotEqual(0, (await RunAsync(AsImageUser(user, tmp, keyRing, urls, new ProcessStartInfo("test") { ArgumentList = { "-w", Path.GetDirectoryName(configFile)! } }))).ExitCode);
            var started = DateTime.UtcNow;

            await using (var gateway = await GatewayProcess.StartAsync([new Uri($"http://127.0.0.1:{port}/healthz")],
                AsImageUser(user, tmp, keyRing, urls, Gateway("--config", configFile, $"--LinkGateway:Signing:Key={Convert.ToBase64String(new byte[32])}"))))
            {
                var healthcheck = await GatewayProcess.RunWithOutputAsync(AsImageUser(user, tmp, keyRing, urls, Gateway("healthcheck")));
                using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
                using var shield = await client.GetAsync("/u/m-1/r-1");
                var page = await shield.Content.ReadAsStringAsync();

                Assert.Equal((0, $"healthy: http://127.0.0.1:{port}/healthz answered 200"), (healthcheck.ExitCode, healthcheck.StandardOutput));
                Assert.Equal(HttpStatusCode.OK, shield.StatusCode);
                Assert.Contains("<form", page, StringComparison.Ordinal); // the interstitial, with a pass protected by the key ring
                Assert.NotEmpty(Directory.GetFiles(keyRing, "key-*.xml"));
                Assert.DoesNotContain("Exception", gateway.Output, StringComparison.Ordinal);
            }

            // Anything the user wrote outside the two folders would be a write to a read-only root in the container.
            var (_, strays, _) = await RunAsync("find", "/tmp", "/var/tmp", "/dev/shm", "-xdev", "-uid", user.Split(':')[0],
                "-newermt", started.AddSeconds(-1).ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC",
                "-not", "-path", folder.FullName + "*");
            Assert.Equal(string.Empty, strays);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    /// <summary>The program as the image's user would run it: no capabilities, no new privileges, the image's environment.</summary>
    private static ProcessStartInfo AsImageUser(string user, string tmp, string keyRing, string urls, ProcessStartInfo program)
    {
        var (uid, gid) = (user.Split(':')[0], user.Split(':')[1]);
        var wrapped = new ProcessStartInfo("setpriv")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            WorkingDirectory = program.WorkingDirectory is { Length: > 0 } directory ? directory : RepoFiles.Root,
        };
        foreach (var arg in (string[])[$"--reuid={uid}", $"--regid={gid}", "--clear-groups", "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs",
                     program.FileName, .. program.ArgumentList])
        {
            wrapped.ArgumentList.Add(arg);
        }

        wrapped.Environment["HOME"] = "/nonexistent";
        wrapped.Environment["TMPDIR"] = tmp;
        wrapped.Environment["ASPNETCORE_URLS"] = urls;
        wrapped.Environment["LinkGateway__Shield__KeyRingPath"] = keyRing;
        return wrapped;
    }

    private static Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(string program, params string[] args)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        return RunAsync(start);
    }

    private static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunAsync(ProcessStartInfo start)
    {
        start.RedirectStandardError = true;
        start.RedirectStandardOutput = true;
        return await GatewayProcess.RunWithOutputAsync(start);
    }
}
