using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using Testcontainers.Redis;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A real Redis for the tests: a Testcontainers container when a Docker engine answers, otherwise a
/// local redis-server child process on a free loopback port. With neither, the tests fail and say
/// what to install; they never skip.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private RedisContainer? _container;
    private IReadOnlyList<string> _extraArgs = [];
    private Process? _process;

    private RedisServer()
    {
    }

    /// <summary>host:port for StackExchange.Redis.</summary>
    public string Configuration { get; private set; } = string.Empty;

    /// <summary>"testcontainers" or "redis-server".</summary>
    public string Kind { get; private set; } = string.Empty;

    /// <param name="local">Always a redis-server child process (fault tests kill and restart it).</param>
    /// <param name="extraArgs">More redis-server arguments (a local process only), e.g. cluster mode.</param>
    public static async Task<RedisServer> StartAsync(bool local = false, IReadOnlyList<string>? extraArgs = null)
    {
        var server = new RedisServer { _extraArgs = extraArgs ?? [] };
        if (!local && extraArgs is null && await server.TryContainerAsync())
        {
            return server;
        }

        await server.StartProcessAsync(RedisServerExecutable(), FreeLoopbackPort());
        return server;
    }

    /// <summary>The port of a local server.</summary>
    public int Port => int.Parse(Configuration[(Configuration.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    internal static string RedisServerExecutable() => FindRedisServer()
        ?? throw new InvalidOperationException("No Redis for the tests: install redis-server (apt-get install -y redis-server) or start Docker.");

    /// <summary>Starts a local server again on the same port, as an operator restarting it would.</summary>
    public async Task RestartAsync()
    {
        Kill();
        _process?.Dispose();
        await StartProcessAsync(RedisServerExecutable(), Port);
    }

    /// <summary>Stops the local server (a crash, as seen by clients) without freeing its port for others.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }

    private async Task<bool> TryContainerAsync()
    {
        try
        {
            _container = new RedisBuilder("redis:7.2-alpine").Build();
        }
        catch (DockerUnavailableException)
        {
            return false; // Build() throws here when no engine answers; that is the signal to use redis-server.
        }

        await _container.StartAsync();
        Configuration = _container.GetConnectionString();
        Kind = "testcontainers";
        return true;
    }

    private async Task StartProcessAsync(string executable, int port)
    {
        var info = new ProcessStartInfo(executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no" }.Concat(_extraArgs))
        {
            info.ArgumentList.Add(arg);
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var output = new System.Text.StringBuilder();
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) =>
        {
            lock (output)
            {
                output.AppendLine(e.Data);
            }

            if (e.Data?.Contains("Ready to accept connections", StringComparison.Ordinal) == true)
            {
                ready.TrySetResult();
            }
        };
        _process.Exited += (_, _) =>
        {
            // Under the lock: the output's reader may still be appending (a StringBuilder read meanwhile threw, and the
            // exception on this thread-pool thread ended the test run, a clean-clone run of 2026-11-30).
            string said;
            lock (output)
            {
                said = output.ToString();
            }

            ready.TrySetException(new InvalidOperationException($"redis-server exited: {said}"));
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(15));
        Configuration = $"127.0.0.1:{port}";
        Kind = "redis-server";
    }

    private static string? FindRedisServer()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        return path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin").Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "redis-server"))
            .FirstOrDefault(File.Exists);
    }

    /// <summary>A loopback port nothing listens on right now.</summary>
    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One Redis for all tests of a collection; each gateway uses its own key prefix to stay apart.</summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public RedisServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition(Name)]
public sealed class RedisCollection : ICollectionFixture<RedisFixture>
{
    public const string Name = "redis";
}
