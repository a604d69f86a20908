using System.Globalization;
using System.Text.Json;
using LinkGateway.Contracts;
using LinkGateway.Guard;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signatures;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;

namespace LinkGateway.Hosting;

/// <summary>
/// Hot reload: when the configuration file or a signature file changes, the whole guard configuration is
/// validated again and, if good, swapped in as one new <see cref="GuardSnapshot"/>; if not, every
/// problem is logged and the running set stays. Each node watches its own files (mount the same
/// ConfigMap or volume on every node). Redis, the signing key, the rate limiter, the shield and the admin port are
/// read once at start-up: a reload that changes them says so, naming each key.
/// </summary>
internal sealed partial class GuardReloader(
    IConfiguration configuration, GatewayLaunch launch, GuardSnapshotHolder snapshots, LinkGatewayOptions running, TimeProvider time, ILogger<GuardReloader> logger)
    : IHostedService, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _watches = [];
    private PhysicalFileProvider? _signatureFiles;
    private bool _disposed;

    private string ConfigDirectory => Path.GetDirectoryName(launch.ConfigFile)!;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _watches.Add(ChangeToken.OnChange(configuration.GetReloadToken, Reload));
        foreach (var file in (configuration as IConfigurationRoot)?.Providers.OfType<ConfigFile.Provider>() ?? [])
        {
            file.Refused += RefusedFile;
            _watches.Add(new Unsubscribe(() => file.Refused -= RefusedFile));
        }

        WatchSignatures();
        ReportNetworkListAges(snapshots.Current.Detector.Signatures);
        return Task.CompletedTask;
    }

    /// <summary>
    /// One line for the network lists (how many, and the oldest's date), and a warning naming every list older than
    /// <see cref="NetworkList.StaleAfter"/>: providers move their ranges every week, and a stale list misses new ones.
    /// </summary>
    private void ReportNetworkListAges(SignatureSet signatures)
    {
        var lists = signatures.NetworkLists;
        if (lists.Count == 0)
        {
            return;
        }

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var oldest = lists.MinBy(l => l.Taken)!;
        Log.NetworkLists(logger, lists.Count, lists.Sum(l => l.Ranges), oldest.Family, oldest.Taken.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), oldest.AgeDays(today));
        var stale = lists.Where(l => l.IsStale(today)).OrderBy(l => l.Taken).ThenBy(l => l.Family, StringComparer.Ordinal).ToList();
        if (stale.Count > 0)
        {
            Log.StaleNetworkLists(logger, stale.Count, (int)NetworkList.StaleAfter.TotalDays,
                string.Join(", ", stale.Select(l => string.Create(CultureInfo.InvariantCulture, $"{l.Family} ({l.AgeDays(today)} days)"))));
        }
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        List<IDisposable> watches;
        PhysicalFileProvider? files;
        lock (_gate)
        {
            _disposed = true;
            watches = [.. _watches];
            _watches.Clear();
            files = _signatureFiles;
            _signatureFiles = null;
        }

        // Outside the lock: disposing a change registration waits for its callback if one is running, and that callback
        // (Reload) takes the lock; under it the two waited for each other for ever (a hot-reload test's gateway, disposed as a
        // signature file changed).
        watches.ForEach(w => w.Dispose());
        files?.Dispose();
    }

    private void WatchSignatures()
    {
        var folder = Path.GetFullPath(configuration[$"{LinkGatewayOptions.SectionName}:Signatures:Path"] ?? new SignaturesOptions().Path, ConfigDirectory);
        if (!Directory.Exists(folder))
        {
            return;
        }

        _signatureFiles = new PhysicalFileProvider(folder);
        var files = _signatureFiles;
        _watches.Add(ChangeToken.OnChange(() => files.Watch("**/*.json"), Reload));
    }

    private void RefusedFile(string problem) => Log.Refused(logger, problem);

    private sealed class Unsubscribe(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private void Reload()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return; // a change that fired while the gateway stopped
            }

            try
            {
                var next = GatewayConfigValidator.Validate(configuration, ConfigDirectory);
                foreach (var key in ChangedStartUpSettings(running, next.Options))
                {
                    Log.NeedsRestart(logger, $"{LinkGatewayOptions.SectionName}:{key}");
                }

                snapshots.Swap(next.Snapshot);
                Log.Reloaded(logger, next.Snapshot.Detector.Signatures.Version, next.Snapshot.Mode.ToName());
                ReportNetworkListAges(next.Snapshot.Detector.Signatures);
            }
            catch (GatewayConfigurationException e)
            {
                foreach (var error in e.Errors)
                {
                    Log.Refused(logger, error);
                }
            }
            catch (IOException e)
            {
                // A file caught half-written: the watcher fires again when the write completes.
                Log.Refused(logger, e.Message);
            }
        }
    }

    /// <summary>The settings read once at start-up (docs/operations/tuning.md) whose value in <paramref name="next"/> differs from the running one.</summary>
    internal static IEnumerable<string> ChangedStartUpSettings(LinkGatewayOptions running, LinkGatewayOptions next) =>
        StartUpSettings(running).Zip(StartUpSettings(next))
            .Where(pair => JsonSerializer.Serialize(pair.First.Value) != JsonSerializer.Serialize(pair.Second.Value))
            .Select(pair => pair.First.Key);

    private static IEnumerable<(string Key, object? Value)> StartUpSettings(LinkGatewayOptions o) =>
    [
        ("Redis:Configuration", o.Redis.Configuration),
        ("Redis:KeyPrefix", o.Redis.KeyPrefix),
        ("Redis:ProbeInterval", o.Redis.ProbeInterval),
        ("Redis:CircuitFailures", o.Redis.CircuitFailures),
        ("Redis:BacklogCapacity", o.Redis.BacklogCapacity),
        ("Redis:WaitAtStart", o.Redis.WaitAtStart),
        ("Memory:InProcessMaxBytes", o.Memory.InProcessMaxBytes),
        ("Signing:Key", o.Signing.Key),
        ("Shield", o.Shield),
        ("RateLimit", o.RateLimit),
        ("ForwardedHeaders", o.ForwardedHeaders),
        ("Tls", o.Tls),
        ("Admin", o.Admin),
    ];

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Guard configuration reloaded: signatures {SignatureVersion}, mode {Mode}")]
        public static partial void Reloaded(ILogger logger, string signatureVersion, string mode);

        [LoggerMessage(11, LogLevel.Error, "Guard configuration reload refused, the running configuration stays: {Problem}")]
        public static partial void Refused(ILogger logger, string problem);

        [LoggerMessage(12, LogLevel.Warning, "{Key} changed, but it is read at start-up only: the running value stays until a restart")]
        public static partial void NeedsRestart(ILogger logger, string key);

        [LoggerMessage(13, LogLevel.Information, "Network lists: {Lists} files, {Ranges} ranges; the oldest, {OldestFamily}, taken {OldestTaken} ({OldestDays} days ago)")]
        public static partial void NetworkLists(ILogger logger, int lists, int ranges, string oldestFamily, string oldestTaken, int oldestDays);

        [LoggerMessage(14, LogLevel.Warning, "{Count} network lists are older than {StaleDays} days, and their providers have moved ranges since: {StaleLists}. "
            + "Refresh them with refresh-networks (docs/reference/signatures.md#refreshing-network-lists)")]
        public static partial void StaleNetworkLists(ILogger logger, int count, int staleDays, string staleLists);
    }
}
