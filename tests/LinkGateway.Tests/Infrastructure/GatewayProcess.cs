using System.Diagnostics;

namespace LinkGateway.Infrastructure;

/// <summary>The gateway's real entry point as a child process (dotnet LinkGateway.dll ARGS), run from the repository root.</summary>
public static class GatewayProcess
{
    public static async Task<(int ExitCode, string StandardError)> RunAsync(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = RepoFiles.Root };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "LinkGateway.dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync(); // drained, so a full pipe never blocks the child
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await stdout;
        return (process.ExitCode, (await stderr).Trim());
    }
}
