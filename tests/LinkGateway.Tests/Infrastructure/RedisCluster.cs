using System.Diagnostics;
using StackExchange.Redis;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A real Redis Cluster of three masters (and, when asked, a replica for each): local redis-server processes in
/// cluster mode on free loopback ports, joined by redis-cli --cluster create, ready once CLUSTER INFO says ok.
/// </summary>
public sealed class RedisCluster : IAsyncLifetime
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-cluster-");
    private readonly List<RedisServer> _nodes = [];
    private readonly int _replicasPerMaster;

    public RedisCluster()
        : this(0)
    {
    }

    internal RedisCluster(int replicasPerMaster) => _replicasPerMaster = replicasPerMaster;

    /// <summary>Every node, comma-separated, for StackExchange.Redis.</summary>
    public string Configuration => string.Join(',', _nodes.Select(m => m.Configuration));

    /// <summary>The nodes in the order given to redis-cli: the first three become the masters.</summary>
    public IReadOnlyList<RedisServer> Nodes => _nodes;

    public async Task InitializeAsync()
    {
        for (var i = 0; i < 3 * (1 + _replicasPerMaster); i++)
        {
            _nodes.Add(await RedisServer.StartAsync(local: true, extraArgs:
            [
                "--cluster-enabled", "yes", "--cluster-config-file", Path.Combine(_folder.FullName, $"nodes-{i}.conf"),
                "--cluster-node-timeout", "2000", "--dir", _folder.FullName, "--dbfilename", $"dump-{i}.rdb",
                // A replica stands for election however long its link was down: the tests kill masters on purpose.
                "--cluster-replica-validity-factor", "0",
            ]));
        }

        var cli = Path.Combine(Path.GetDirectoryName(RedisServer.RedisServerExecutable())!, "redis-cli");
        var create = new ProcessStartInfo(File.Exists(cli) ? cli : "redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "--cluster", "create" }.Concat(_nodes.Select(m => m.Configuration))
                     .Concat(["--cluster-replicas", _replicasPerMaster.ToString(System.Globalization.CultureInfo.InvariantCulture), "--cluster-yes"]))
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
        foreach (var node in _nodes)
        {
            await using var connection = await AdminConnectionAsync(node);
            while (!(await ClusterCommandAsync(connection, "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                await Task.Delay(50, deadline.Token);
            }
        }
    }

    /// <summary>
    /// Waits until <paramref name="survivor"/> sees <paramref name="killed"/> as failed and three healthy masters
    /// serving every slot again: a replica was promoted.
    /// </summary>
    public static async Task WaitForFailoverAsync(RedisServer survivor, RedisServer killed, TimeSpan within)
    {
        var until = DateTime.UtcNow + within;
        await using var connection = await AdminConnectionAsync(survivor);
        while (true)
        {
            var text = await ClusterCommandAsync(connection, "NODES");
            var nodes = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToList();
            var killedFailed = nodes.Any(n => n[1].StartsWith($"127.0.0.1:{killed.Port}@", StringComparison.Ordinal) && n[2].Split(',').Contains("fail"));
            var healthyMasters = nodes.Count(n => n[2].Split(',').Contains("master") && !n[2].Contains("fail", StringComparison.Ordinal) && n.Length > 8);
            if (killedFailed && healthyMasters == 3 && (await ClusterCommandAsync(connection, "INFO")).Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"No failover of {killed.Configuration} within {within}; CLUSTER NODES:\n{text}");
            }

            await Task.Delay(50); // cluster gossip has no event to await from outside
        }
    }

    /// <summary>A connection to one node only (no cluster discovery), for its CLUSTER commands.</summary>
    private static Task<ConnectionMultiplexer> AdminConnectionAsync(RedisServer node) =>
        ConnectionMultiplexer.ConnectAsync(node.Configuration + ",allowAdmin=true");

    private static async Task<string> ClusterCommandAsync(ConnectionMultiplexer connection, string subcommand) =>
        (await connection.GetServer(connection.GetEndPoints(configuredOnly: true)[0]).ExecuteAsync("CLUSTER", subcommand)).ToString();

    public async Task DisposeAsync()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _folder.Delete(recursive: true);
    }
}
