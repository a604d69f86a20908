using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using LinkGateway.Observability;

namespace LinkGateway.ProxyTrust;

/// <summary>
/// Requests that carry X-Forwarded-For from a private peer the gateway does not trust: almost always a load
/// balancer missing from LinkGateway:ForwardedHeaders. Then every person behind it shares its address: the
/// behaviour signals add them up and the rate limiter throttles them as one client. Nothing fails, so it is said
/// out loud: a warning in the log once per source and hour, a metric, and an entry in /readyz and on the dashboard
/// (it does not make the node unready: it still answers every request). Memory is bounded: at most
/// <see cref="MaxSources"/> sources are named; sources quiet for <see cref="Forgotten"/> are dropped.
/// </summary>
public sealed partial class UntrustedForwarders(GatewayMetrics metrics, TimeProvider time, ILogger<UntrustedForwarders> logger)
{
    public const int MaxSources = 16;
    public const string WarningCode = "untrusted-forwarder";

    /// <summary>How long a source stays listed after its last request, and how often the log repeats it.</summary>
    public static readonly TimeSpan Forgotten = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<IPAddress, Source> _sources = new();
    private long _unnamedRequests;
    private long _unnamedLoggedAt = long.MinValue;

    /// <summary>Called for every request that carries X-Forwarded-For from a peer that is not a trusted proxy.</summary>
    public void Seen(IPAddress peer)
    {
        if (!TrustedProxies.LooksPrivate(peer))
        {
            return;
        }

        metrics.UntrustedForwarded();
        var now = time.GetUtcNow();
        var address = TrustedProxies.Unmapped(peer);
        if (!_sources.TryGetValue(address, out var source))
        {
            Forget(now);
            if (_sources.Count >= MaxSources)
            {
                Interlocked.Increment(ref _unnamedRequests);
                if (Due(ref _unnamedLoggedAt, now))
                {
                    Log.MoreSources(logger, MaxSources);
                }

                return;
            }

            source = _sources.GetOrAdd(address, _ => new Source(now));
        }

        source.Count(now);
        if (Due(ref source.LoggedAt, now))
        {
            Log.Untrusted(logger, address.ToString());
        }
    }

    /// <summary>The warning for /readyz and the dashboard, or none.</summary>
    public IReadOnlyList<GatewayWarning> Warnings()
    {
        var now = time.GetUtcNow();
        Forget(now);
        var sources = _sources.OrderByDescending(s => s.Value.Requests).ToList();
        if (sources.Count == 0)
        {
            return [];
        }

        var details = sources.Select(s => string.Create(CultureInfo.InvariantCulture,
            $"{s.Key}: {s.Value.Requests} requests with X-Forwarded-For, first {s.Value.FirstSeen:u}, last {new DateTimeOffset(s.Value.LastSeenTicks, TimeSpan.Zero):u}")).ToList();
        if (Interlocked.Read(ref _unnamedRequests) is > 0 and var unnamed)
        {
            details.Add($"{unnamed} more requests from further private addresses (only {MaxSources} are named)");
        }

        return
        [
            new GatewayWarning(WarningCode,
                $"X-Forwarded-For arrives from private addresses the gateway does not trust ({string.Join(", ", sources.Select(s => s.Key))}): every client behind them "
                + "shares their address, so people add up to scanners and the rate limit throttles them together. If these are your load balancers, add them to "
                + "LinkGateway:ForwardedHeaders:KnownProxies (or KnownNetworks).",
                details),
        ];
    }

    private void Forget(DateTimeOffset now)
    {
        foreach (var (address, source) in _sources)
        {
            if (now.UtcTicks - source.LastSeenTicks > Forgotten.Ticks)
            {
                _sources.TryRemove(address, out _);
            }
        }
    }

    /// <summary>True for one caller once <see cref="Forgotten"/> has passed since the last time it was true.</summary>
    private static bool Due(ref long loggedAt, DateTimeOffset now)
    {
        var last = Volatile.Read(ref loggedAt);
        return (last == long.MinValue || now.UtcTicks - last >= Forgotten.Ticks) && Interlocked.CompareExchange(ref loggedAt, now.UtcTicks, last) == last;
    }

    private sealed class Source(DateTimeOffset firstSeen)
    {
        public long LoggedAt = long.MinValue;
        private long _requests;
        private long _lastSeenTicks = firstSeen.UtcTicks;

        public DateTimeOffset FirstSeen { get; } = firstSeen;

        public long Requests => Interlocked.Read(ref _requests);

        public long LastSeenTicks => Interlocked.Read(ref _lastSeenTicks);

        public void Count(DateTimeOffset now)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Exchange(ref _lastSeenTicks, now.UtcTicks);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Warning, "X-Forwarded-For from {Source}, a private address the gateway does not trust: every client behind it shares its address "
            + "(behaviour signals, tags and the rate limit see one client). If it is your load balancer, add it to LinkGateway:ForwardedHeaders:KnownProxies or KnownNetworks")]
        public static partial void Untrusted(ILogger logger, string source);

        [LoggerMessage(31, LogLevel.Warning, "X-Forwarded-For from further private addresses the gateway does not trust (the first {Named} are named in /readyz): "
            + "add your load balancers to LinkGateway:ForwardedHeaders:KnownProxies or KnownNetworks")]
        public static partial void MoreSources(ILogger logger, int named);
    }
}
