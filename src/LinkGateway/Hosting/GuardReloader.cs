using System.Globalization;
using System.Text.Json;
using LinkGateway.Contracts;
using LinkGateway.Guard;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signatures;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Configuration;
using System.IO.Hashing;
using System.Text;

namespace LinkGateway.Hosting;

/// <summary>
/// Hot reload, all or nothing: when the configuration file or a signature file changes, the whole configuration is
/// validated again (<see cref="Candidate"/>). YARP reloads the routes on the same change; <see cref="ProxyConfigFilter"/>
/// refuses them while the rest of the change is refused, and the guard takes the new settings only once YARP has applied
/// the routes (<see cref="IConfigChangeListener.ConfigurationApplied"/>). So a change either applies whole or not at all:
/// a refused file never leaves new routes with old guard settings, or the reverse. Each node watches its own files (mount
/// the same ConfigMap or volume on every node). Redis, the signing key, the rate limiter, the shield and the admin port are
/// read once at start-up: a reload that changes them says so, naming each key.
/// </summary>
internal sealed partial class GuardReloader : IHostedService, IConfigChangeListener, IDisposable
{
    private readonly IConfiguration _configuration;
    private readonly GatewayLaunch _launch;
    private readonly GuardSnapshotHolder _snapshots;
    private readonly LinkGatewayOptions _running;
    private readonly TimeProvider _time;
    private readonly ILogger<GuardReloader> _logger;
    private readonly Lock _gate = new();
    private readonly List<IDisposable> _watches = [];
    private PhysicalFileProvider? _signatureFiles;
    private bool _disposed;
    private Validation _candidate;
    private string _applied;
    private string? _refused; // the content whose refusal was said last, and what was said

    public GuardReloader(IConfiguration configuration, GatewayLaunch launch, GuardSnapshotHolder snapshots, ValidatedConfig started,
        TimeProvider time, ILogger<GuardReloader> logger)
    {
        _time = time;
        _configuration = configuration;
        _launch = launch;
        _snapshots = snapshots;
        _running = started.Options;
        _logger = logger;
        _applied = Fingerprint();
        _candidate = new Validation(_applied, started, []);
    }

    /// <summary>One validation of the configuration as it was: its fingerprint, and the result or the problems.</summary>
    internal sealed record Validation(string Fingerprint, ValidatedConfig? Next, IReadOnlyList<string> Problems);

    private string ConfigDirectory => Path.GetDirectoryName(_launch.ConfigFile)!;

    private string SignatureFolder =>
        Path.GetFullPath(_configuration[$"{LinkGatewayOptions.SectionName}:Signatures:Path"] ?? new SignaturesOptions().Path, ConfigDirectory);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        foreach (var file in (_configuration as IConfigurationRoot)?.Providers.OfType<ConfigFile.Provider>() ?? [])
        {
            file.Refused += RefusedFile;
            _watches.Add(new Unsubscribe(() => file.Refused -= RefusedFile));
        }

        WatchSignatures();
        _watches.Add(ChangeToken.OnChange(_configuration.GetReloadToken, ForgetRefusalOfOtherContent));
        ReportNetworkListAges(_snapshots.Current.Detector.Signatures);
        return Task.CompletedTask;
    }

    private void ForgetRefusalOfOtherContent()
    {
        lock (_gate)
        {
            if (_refused is { } said && !said.StartsWith(Fingerprint() + "\n", StringComparison.Ordinal))
            {
                _refused = null;
            }
        }

        // A value YARP cannot convert: YARP drops the change before any filter or listener sees it, and says so only in
        // its own error, with a stack trace and no key.
        var unreadable = new List<string>();
        ProxyConfigRules.CheckYarpValues(_configuration, unreadable);
        if (unreadable.Count > 0)
        {
            SayRefusal(unreadable);
        }
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

        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var oldest = lists.MinBy(l => l.Taken)!;
        Log.NetworkLists(_logger, lists.Count, lists.Sum(l => l.Ranges), oldest.Family, oldest.Taken.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), oldest.AgeDays(today));
        var stale = lists.Where(l => l.IsStale(today)).OrderBy(l => l.Taken).ThenBy(l => l.Family, StringComparer.Ordinal).ToList();
        if (stale.Count > 0)
        {
            Log.StaleNetworkLists(_logger, stale.Count, (int)NetworkList.StaleAfter.TotalDays,
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
        // (Apply) takes the lock; under it the two waited for each other for ever (a gateway disposed as a signature file changed).
        watches.ForEach(w => w.Dispose());
        files?.Dispose();
    }

    /// <summary>
    /// The configuration as it is now, validated once per content (YARP asks for every route of a reload): what a reload
    /// would apply, or why it must not apply at all.
    /// </summary>
    internal Validation Candidate()
    {
        lock (_gate)
        {
            var fingerprint = Fingerprint();
            if (_candidate.Fingerprint == fingerprint)
            {
                return _candidate;
            }

            try
            {
                _candidate = new Validation(fingerprint, GatewayConfigValidator.Validate(_configuration, ConfigDirectory), []);
            }
            catch (GatewayConfigurationException e)
            {
                _candidate = new Validation(fingerprint, null, e.Errors);
            }
            catch (IOException e)
            {
                // A file caught half-written: the watcher fires again when the write completes, with another fingerprint.
                _candidate = new Validation(fingerprint, null, [e.Message]);
            }

            return _candidate;
        }
    }

    /// <summary>YARP applied the routes of a change: the guard takes the rest of it.</summary>
    void IConfigChangeListener.ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs) => Apply();

    void IConfigChangeListener.ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception) => RefusedWhole(exception);

    void IConfigChangeListener.ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    void IConfigChangeListener.ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception) => RefusedWhole(exception);

    private void WatchSignatures()
    {
        var folder = SignatureFolder;
        if (!Directory.Exists(folder))
        {
            return;
        }

        _signatureFiles = new PhysicalFileProvider(folder);
        var files = _signatureFiles;
        // A signature file changed: the whole configuration is read again, so YARP's routes and the guard go through the one
        // all-or-nothing path (a route change refused while a signature file was broken applies now, with it).
        _watches.Add(ChangeToken.OnChange(() => files.Watch("**/*.json"), ReloadEverything));
    }

    private void RefusedFile(string problem) => Log.Refused(_logger, problem);

    private void ReloadEverything()
    {
        if (Volatile.Read(ref _disposed))
        {
            return;
        }

        if (_configuration is IConfigurationRoot root)
        {
            root.Reload();
        }
        else
        {
            Apply();
        }
    }

    private sealed class Unsubscribe(Action undo) : IDisposable
    {
        public void Dispose() => undo();
    }

    private void Apply()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return; // a change that fired while the gateway stopped
            }

            _refused = null; // YARP applied a change: a refusal after it is news again
            var candidate = Candidate();
            if (candidate.Fingerprint == _applied)
            {
                return; // nothing of ours changed (YARP also reports its start-up load)
            }

            _applied = candidate.Fingerprint;
            if (candidate.Next is not { } next)
            {
                candidate.Problems.ToList().ForEach(problem => Log.Refused(_logger, problem));
                return;
            }

            foreach (var key in ChangedStartUpSettings(_running, next.Options))
            {
                Log.NeedsRestart(_logger, $"{LinkGatewayOptions.SectionName}:{key}");
            }

            var dropped = _snapshots.Current.Detector.Signatures.NetworkLists.Select(l => l.Family)
                .Except(next.Snapshot.Detector.Signatures.NetworkLists.Select(l => l.Family), StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            _snapshots.Swap(next.Snapshot);
            if (dropped.Count > 0)
            {
                // Only a count changed in the log when a vendor's file went (a deploy that deletes and writes files again passes
                // through that state): its addresses count as evidence no more.
                Log.DroppedNetworkLists(_logger, string.Join(", ", dropped));
            }

            Log.Reloaded(_logger, next.Snapshot.Detector.Signatures.Version, next.Snapshot.Mode.ToName());
            ReportNetworkListAges(next.Snapshot.Detector.Signatures);
        }
    }

    /// <summary>YARP refused the routes of a change (its own rules, or <see cref="ProxyConfigFilter"/>'s): nothing of it applies.</summary>
    private void RefusedWhole(Exception exception)
    {
        // YARP tries again on each of a file's change events (an editor's save makes several): the same refusal of the same
        // content is said once. Any other content in between makes it news again (ForgetRefusalOfOtherContent).
        SayRefusal(ProxyConfigRules.Describe(exception is AggregateException all ? all.InnerExceptions : [exception]));
    }

    /// <summary>Each problem of a refused change, once per content and problems.</summary>
    private void SayRefusal(IReadOnlyList<string> problems)
    {
        lock (_gate)
        {
            var said = Fingerprint() + "\n" + string.Join("\n", problems);
            if (said == _refused)
            {
                return;
            }

            _refused = said;
        }

        foreach (var problem in problems)
        {
            Log.Refused(_logger, problem);
        }
    }

    /// <summary>What a change is compared by: every configuration value, and each signature file's name, size and time.</summary>
    private string Fingerprint()
    {
        var text = new StringBuilder();
        foreach (var (key, value) in _configuration.AsEnumerable().OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            text.Append(key).Append('=').Append(value).Append('\n');
        }

        var folder = SignatureFolder;
        if (Directory.Exists(folder))
        {
            foreach (var file in new DirectoryInfo(folder).EnumerateFiles("*.json", SearchOption.AllDirectories).OrderBy(f => f.FullName, StringComparer.Ordinal))
            {
                text.Append(file.FullName).Append(';').Append(file.Length).Append(';').Append(file.LastWriteTimeUtc.Ticks).Append('\n');
            }
        }

        return Convert.ToHexString(XxHash128.Hash(Encoding.UTF8.GetBytes(text.ToString())));
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
        ("Brands", o.Brands),
        ("RateLimit", o.RateLimit),
        ("ForwardedHeaders", o.ForwardedHeaders),
        ("Tls", o.Tls),
        ("Admin", o.Admin),
        ("FoldBack", o.FoldBack),
    ];

    /// <summary>The keys <see cref="ChangedStartUpSettings"/> compares, under the LinkGateway section.</summary>
    internal static IEnumerable<string> StartUpSettingKeys => StartUpSettings(new LinkGatewayOptions()).Select(setting => setting.Key);

    private static partial class Log
    {
        [LoggerMessage(14, LogLevel.Warning, "{Count} network lists are older than {StaleDays} days, and their providers have moved ranges since: {StaleLists}. "
            + "Refresh them with refresh-networks (docs/reference/signatures.md#refreshing-network-lists)")]
        public static partial void StaleNetworkLists(ILogger logger, int count, int staleDays, string staleLists);

        [LoggerMessage(13, LogLevel.Information, "Network lists: {Lists} files, {Ranges} ranges; the oldest, {OldestFamily}, taken {OldestTaken} ({OldestDays} days ago)")]
        public static partial void NetworkLists(ILogger logger, int lists, int ranges, string oldestFamily, string oldestTaken, int oldestDays);

        [LoggerMessage(10, LogLevel.Information, "Guard configuration reloaded: signatures {SignatureVersion}, mode {Mode}")]
        public static partial void Reloaded(ILogger logger, string signatureVersion, string mode);

        [LoggerMessage(11, LogLevel.Error, "Configuration reload refused, nothing of it applies and the running configuration stays: {Problem}")]
        public static partial void Refused(ILogger logger, string problem);

        [LoggerMessage(15, LogLevel.Warning, "The reload dropped the network lists {Families}: their addresses are evidence no more (a file deleted or renamed)")]
        public static partial void DroppedNetworkLists(ILogger logger, string families);

        [LoggerMessage(12, LogLevel.Warning, "{Key} changed, but it is read at start-up only: the running value stays until a restart")]
        public static partial void NeedsRestart(ILogger logger, string key);
    }
}
