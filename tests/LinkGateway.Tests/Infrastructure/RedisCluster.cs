using System.Diagnostics;
using StackExchange.Redis;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A real Redis Cluster of three masters: local redis-server processes in cluster mode on free loopback
/// ports, joined by redis-cli --cluster create, ready once CLUSTER INFO says ok.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-cluster-");
    private readonly List<RedisServer> _masters = [];

    /// <summary>Every master, comma-separated, for StackExchange.Redis.</summary>
    public string Configuration => string.Join(',', _masters.Select(m => m.Configuration));

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 3; i++)
        {
            _masters.Add(await RedisServer.StartAsync(local: true, extraArgs:
            [
                "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(_folder.FullName, $"nodes-{i}.conf"),
                "--cluster-node-timeout", "2000", "--dir", _folder.FullName,
            ]));
        }

        var cli = Path.Combine(Path.GetDirectoryName(RedisServer.RedisServerExecutable())!, "redis-cli");
        var create = new ProcessStartInfo(File.Exists(cli) ? cli : "redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--cluster", "create" }.Concat(_masters.Select(m => m.Configuration)).Concat(["--cluster-replicas", "0", "--cluster-yes"]))
        {
            create.ArgumentList.Add(arg);
        }

        using (var process = Process.Start(create)!)
        {
            var output = await process.StandardOutput.ReadToEndAsync() + await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException("redis-cli --cluster create failed:\n" + output);
            }
        }

        // The nodes agree on the slot map a moment after create returns; wait for every node to say ok.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        foreach (var master in _masters)
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(master.Configuration + ",allowAdmin=true");
            while (!(await connection.GetServer(connection.GetEndPoints()[0]).ExecuteAsync("CLUSTER", "INFO")).ToString().Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                await Task.Delay(50, deadline.Token);
            }
        }
    }

    public async Task DisposeAsync()
    {
        foreach (var master in _masters)
        {
            await master.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }
}
