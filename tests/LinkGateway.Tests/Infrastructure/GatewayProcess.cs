using System.Diagnostics;

namespace LinkGateway.Infrastructure;

/// <summary>The gateway's real entry point as a child process (dotnet LinkGateway.dll ARGS), run from the repository root.</summary>
public static class GatewayProcess
{
    /// <summary>Runs the gateway to its exit; one that is still running after 60 s (it started when it should have refused) is killed.</summary>
    public static async Task<(int ExitCode, string StandardError)> RunAsync(params string[] args)
    {
        var (exitCode, _, stderr) = await RunWithOutputAsync(args);
        return (exitCode, stderr);
    }

    /// <summary>The same, with what it wrote to standard output too (--help, --version, healthcheck).</summary>
    public static Task<(int ExitCode, string StandardOutput, string StandardError)> RunWithOutputAsync(params string[] args) =>
        RunWithOutputAsync(StartInfo(args));

    /// <summary>The same for a start prepared by the caller (another user, another environment), from <see cref="StartInfo"/>.</summary>
    public static async Task<(int ExitCode, string StandardOutput, string StandardError)> RunWithOutputAsync(ProcessStartInfo start)
    {
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync(); // drained, so a full pipe never blocks the child
        try
        {
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        return (process.ExitCode, (await stdout).Trim(), (await stderr).Trim());
    }

    /// <summary>Starts the gateway and waits until each of <paramref name="listening"/> answers (any status); the process is killed on dispose.</summary>
    public static Task<RunningGateway> StartAsync(IReadOnlyList<Uri> listening, params string[] args) => StartAsync(listening, network: null, args);

    /// <summary>The same, inside <paramref name="network"/> when one is given (the readiness probe connects from inside too).</summary>
    public static Task<RunningGateway> StartAsync(IReadOnlyList<Uri> listening, PrivateNetwork? network, params string[] args) =>
        StartAsync(listening, network is null ? StartInfo(args) : network.Wrap(StartInfo(args)), network);

    /// <summary>The same for a start prepared by the caller (another user, another environment), from <see cref="StartInfo"/>.</summary>
    /// <param name="readOutput">False leaves the gateway's stdout unread once the pipe is full, as a stalled log shipper does.</param>
    public static async Task<RunningGateway> StartAsync(IReadOnlyList<Uri> listening, ProcessStartInfo start, PrivateNetwork? network = null,
        bool readOutput = true)
    {
        var process = Process.Start(start)!;
        // Both pipes are drained as the child writes, so a chatty gateway never blocks on a full pipe.
        var errors = new System.Text.StringBuilder();
        var running = new RunningGateway(process);
        process.OutputDataReceived += (_, line) => running.Append(line.Data);
        process.ErrorDataReceived += (_, line) => { lock (errors) { errors.AppendLine(line.Data); } };
        if (readOutput)
        {
            process.BeginOutputReadLine();
        }

        process.BeginErrorReadLine();
        using var client = network?.Client(listening[0], PrivateNetwork.GatewayAddress) ?? new HttpClient();
        client.Timeout = TimeSpan.FromSeconds(2);
        var waiting = new Queue<Uri>(listening);
        for (var deadline = DateTime.UtcNow.AddSeconds(60); DateTime.UtcNow < deadline;)
        {
            if (process.HasExited)
            {
                await process.WaitForExitAsync(); // the pipes are read to their end
                var exitCode = process.ExitCode;
                await running.DisposeAsync();
                lock (errors)
                {
                    throw new InvalidOperationException($"The gateway exited with {exitCode}: {errors}");
                }
            }

            try
            {
                using var _ = await client.GetAsync(waiting.Peek());
                waiting.Dequeue();
                if (waiting.Count == 0)
                {
                    return running;
                }

                continue;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // not listening yet, or its first answer slower than the client's 2 s (a loaded machine: a clean-clone run
                // of 2026-11-29 failed a test here)
            }

            await Task.Delay(100); // polling a port that has no signal to wait on
        }

        await running.DisposeAsync();
        throw new TimeoutException($"The gateway did not answer {waiting.Peek()} within 60 s.");
    }

    /// <summary>How the tests start the gateway: `dotnet LinkGateway.dll ARGS` from the repository root, both pipes read.</summary>
    public static ProcessStartInfo StartInfo(params string[] args)
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

/// <summary>A gateway process started by <see cref="GatewayProcess"/>.</summary>
public sealed class RunningGateway(Process process) : IAsyncDisposable
{
    private readonly System.Text.StringBuilder _output = new();
    private readonly ChangeSignal _appended = new();

    /// <summary>What the gateway wrote to standard output so far (its console log).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    internal void Append(string? line)
    {
        lock (_output)
        {
            _output.AppendLine(line);
        }

        _appended.Changed();
    }

    /// <summary>
    /// Waits until the output holds <paramref name="text"/>, each line written being the signal, up to 10 s: a line the
    /// gateway logs after answering (the request log) may reach the pipe after the client has its answer.
    /// </summary>
    public async Task WaitForOutputAsync(string text)
    {
        try
        {
            await _appended.WaitForAsync(() => Output.Contains(text, StringComparison.Ordinal) ? text : null);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the gateway's output did not show \"{text}\" within 10 s:\n{Output}");
        }
    }

    /// <summary>
    /// Stops the gateway as a container runtime or systemd does (SIGTERM) and waits up to <paramref name="within"/> for it
    /// to exit; its exit code, or null when it was still running then.
    /// </summary>
    public async Task<int?> TerminateAsync(TimeSpan within)
    {
        Assert.Equal(0, Kill(process.Id, Sigterm));
        try
        {
            await process.WaitForExitAsync().WaitAsync(within);
            return process.ExitCode;
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private const int Sigterm = 15;

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);

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
