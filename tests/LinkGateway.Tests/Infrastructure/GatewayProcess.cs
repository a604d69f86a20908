using System.Diagnostics;

namespace LinkGateway.Infrastructure;

/// <summary>The gateway's real entry point as a child process (dotnet LinkGateway.dll ARGS), run from the repository root.</summary>
public static class GatewayProcess
{
    public static async Task<(int ExitCode, string StandardError)> RunAsync(params string[] args)
    {
        using var process = Process.Start(StartInfo(args))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync(); // drained, so a full pipe never blocks the child
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await stdout;
        return (process.ExitCode, (await stderr).Trim());
    }

    /// <summary>Starts the gateway and waits until <paramref name="healthUrl"/> answers 200; the process is killed on dispose.</summary>
    public static async Task<RunningGateway> StartAsync(Uri healthUrl, params string[] args)
    {
        var info = StartInfo(args);
        info.RedirectStandardOutput = false; // nobody reads it; a full pipe would block the child
        var process = Process.Start(info)!;
        var running = new RunningGateway(process);
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; attempt < 300; attempt++)
        {
            if (process.HasExited)
            {
                var error = await process.StandardError.ReadToEndAsync();
                await running.DisposeAsync();
                throw new InvalidOperationException($"The gateway exited with {process.ExitCode}: {error}");
            }

            try
            {
                if ((await client.GetAsync(healthUrl)).IsSuccessStatusCode)
                {
                    return running;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }

            await Task.Delay(100); // polling a port that has no signal to wait on
        }

        await running.DisposeAsync();
        throw new TimeoutException($"The gateway did not answer {healthUrl} within 30 s.");
    }

    private static ProcessStartInfo StartInfo(string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = RepoFiles.Root };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LinkGateway.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        return info;
    }
}

/// <summary>A gateway process started by <see cref="GatewayProcess.StartAsync"/>.</summary>
public sealed class RunningGateway(Process process) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
    }
}
