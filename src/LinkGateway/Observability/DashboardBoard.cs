using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;

namespace LinkGateway.Observability;

/// <summary>
/// This node's recent activity for the admin dashboard: verdicts per minute over the last hour, reason counts,
/// the shield funnel, machine versus proxied opens, and the networks with most bot verdicts (heavy hitters,
/// so memory stays fixed). Per node by design: fleet-wide figures come from Prometheus, which scrapes every node.
/// </summary>
public sealed class DashboardBoard(TimeProvider time)
{
    public const int Minutes = 60;

    private readonly Lock _gate = new();
    private readonly long[] _minuteStamps = new long[Minutes];
    // Per minute: human, suspect, bot, and how many of them were stateless (the store did not answer).
    private readonly long[,] _verdictsPerMinute = new long[Minutes, 4];
    // Per minute, the origin: answers, 5xx, no answer, then how many answers fell in each latency bucket (GatewayMetrics.OriginBuckets, then beyond).
    private readonly long[] _originStamps = new long[Minutes];
    private readonly long[,] _originPerMinute = new long[Minutes, 3 + GatewayMetrics.OriginBuckets.Length + 1];
    private readonly long[] _reasons = new long[SignalCatalog.Count];
    private readonly HeavyHitters _botNetworks = new(256);
    private long _shieldShown;
    private long _shieldPassed;
    private long _opensMachine;
    private long _opensProxyHuman;
    private long _opensOther;
    private long _opensAbsorbed;

    public void Add(LinkKind kind, Verdict verdict, GuardAction action, string? clientPrefix)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Minutes);
        lock (_gate)
        {
            if (_minuteStamps[slot] != minute)
            {
                _minuteStamps[slot] = minute;
                _verdictsPerMinute[slot, 0] = _verdictsPerMinute[slot, 1] = _verdictsPerMinute[slot, 2] = _verdictsPerMinute[slot, 3] = 0;
            }

            _verdictsPerMinute[slot, (int)verdict.Kind]++;
            _verdictsPerMinute[slot, 3] += verdict.IsDegraded ? 1 : 0;
            foreach (var signal in verdict.Signals)
            {
                _reasons[(int)signal]++;
            }

            var step = ShieldSteps.Of(verdict, action);
            _shieldShown += step == ShieldStep.Shown ? 1 : 0;
            _shieldPassed += step == ShieldStep.Passed ? 1 : 0;
            if (kind == LinkKind.Open)
            {
                _opensAbsorbed += action == GuardAction.Absorb ? 1 : 0;
                if (verdict.Signals.Contains(Signal.OpenMachine))
                {
                    _opensMachine++;
                }
                else if (verdict.Signals.Contains(Signal.OpenProxyHuman))
                {
                    _opensProxyHuman++;
                }
                else
                {
                    _opensOther++;
                }
            }

            if (verdict.Kind == VerdictKind.Bot && clientPrefix is not null)
            {
                _botNetworks.Add(clientPrefix);
            }
        }
    }

    /// <summary>A request forwarded to the origin: its time to response headers and its status (null: no answer).</summary>
    public void AddOrigin(TimeSpan elapsed, int? status)
    {
        var minute = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        var slot = (int)(minute % Minutes);
        // The first bucket whose bound the time is within (the last, "above every bound", when none): found before the lock,
        // and without a delegate, since this runs for every forwarded request.
        var bucket = Array.BinarySearch(GatewayMetrics.OriginBuckets, elapsed.TotalSeconds);
        bucket = bucket < 0 ? ~bucket : bucket;
        lock (_gate)
        {
            if (_originStamps[slot] != minute)
            {
                _originStamps[slot] = minute;
                for (var i = 0; i < _originPerMinute.GetLength(1); i++)
                {
                    _originPerMinute[slot, i] = 0;
                }
            }

            if (status is null)
            {
                _originPerMinute[slot, 2]++;
                return;
            }

            _originPerMinute[slot, 0]++;
            _originPerMinute[slot, 1] += status >= 500 ? 1 : 0;
            _originPerMinute[slot, 3 + bucket]++;
        }
    }

    /// <summary>The share of verdicts in the last five minutes (the current one included) that were stateless; 0 without verdicts.</summary>
    public double DegradedShare()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        long verdicts = 0, degraded = 0;
        lock (_gate)
        {
            for (var minute = now - 4; minute <= now; minute++)
            {
                var slot = (int)(minute % Minutes);
                if (_minuteStamps[slot] == minute)
                {
                    verdicts += _verdictsPerMinute[slot, 0] + _verdictsPerMinute[slot, 1] + _verdictsPerMinute[slot, 2];
                    degraded += _verdictsPerMinute[slot, 3];
                }
            }
        }

        return verdicts == 0 ? 0 : (double)degraded / verdicts;
    }

    /// <summary>A copy for the dashboard's JSON: minutes oldest first, the current one last.</summary>
    public DashboardSnapshot Snapshot()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds() / 60;
        lock (_gate)
        {
            var minutes = new List<MinuteVerdicts>(Minutes);
            for (var minute = now - Minutes + 1; minute <= now; minute++)
            {
                var slot = (int)(minute % Minutes);
                var current = _minuteStamps[slot] == minute;
                minutes.Add(new MinuteVerdicts(DateTimeOffset.FromUnixTimeSeconds(minute * 60),
                    current ? _verdictsPerMinute[slot, 0] : 0, current ? _verdictsPerMinute[slot, 1] : 0, current ? _verdictsPerMinute[slot, 2] : 0,
                    current ? _verdictsPerMinute[slot, 3] : 0));
            }

            var reasons = SignalCatalog.All.Where(e => _reasons[(int)e.Signal] > 0)
                .Select(e => new NamedCount(e.Code, _reasons[(int)e.Signal])).OrderByDescending(r => r.Count).ToList();
            var networks = _botNetworks.Top(10).Select(n => new NamedCount(n.Key, n.Value)).ToList();
            var totals = new VerdictTotals(minutes.Sum(m => m.Human), minutes.Sum(m => m.Suspect), minutes.Sum(m => m.Bot), minutes.Sum(m => m.Degraded));
            return new DashboardSnapshot(minutes, reasons, networks, _botNetworks.Approximate,
                new ShieldFunnel(_shieldShown, _shieldPassed), new OpenSources(_opensMachine, _opensProxyHuman, _opensOther, _opensAbsorbed), totals, OriginHour(now));
        }
    }

    /// <summary>The origin over the last hour: answers, 5xx, no answer, and the latency percentiles (the upper bound of their bucket).</summary>
    private OriginHealth OriginHour(long now)
    {
        long answered = 0, errors = 0, failed = 0;
        var buckets = new long[GatewayMetrics.OriginBuckets.Length + 1];
        for (var minute = now - Minutes + 1; minute <= now; minute++)
        {
            var slot = (int)(minute % Minutes);
            if (_originStamps[slot] != minute)
            {
                continue;
            }

            answered += _originPerMinute[slot, 0];
            errors += _originPerMinute[slot, 1];
            failed += _originPerMinute[slot, 2];
            for (var b = 0; b < buckets.Length; b++)
            {
                buckets[b] += _originPerMinute[slot, 3 + b];
            }
        }

        return new OriginHealth(answered, errors, failed, Percentile(buckets, answered, 0.5), Percentile(buckets, answered, 0.99));
    }

    /// <summary>The bucket bound in milliseconds below which the share <paramref name="q"/> of the answers fell; null without answers or past the last bound.</summary>
    private static double? Percentile(long[] buckets, long count, double q)
    {
        var rank = (long)Math.Ceiling(q * count);
        long seen = 0;
        for (var b = 0; b < buckets.Length && count > 0; b++)
        {
            seen += buckets[b];
            if (seen >= rank)
            {
                return b < GatewayMetrics.OriginBuckets.Length ? GatewayMetrics.OriginBuckets[b] * 1000 : null;
            }
        }

        return null;
    }
}

/// <summary>Where a request stands in the shield funnel.</summary>
public enum ShieldStep : byte
{
    None,
    /// <summary>The interstitial page was served.</summary>
    Shown,
    /// <summary>A pass (the button, or the click page's script) let the request through to the origin.</summary>
    Passed,
}

public static class ShieldSteps
{
    /// <summary>The one definition the metrics and the dashboard share.</summary>
    public static ShieldStep Of(Verdict verdict, GuardAction action) => action switch
    {
        GuardAction.Interstitial => ShieldStep.Shown,
        GuardAction.Forward when verdict.Signals.Contains(Signal.PassHuman) || verdict.Signals.Contains(Signal.PassScript) => ShieldStep.Passed,
        _ => ShieldStep.None,
    };
}

public sealed record DashboardSnapshot(IReadOnlyList<MinuteVerdicts> Minutes, IReadOnlyList<NamedCount> Reasons,
    IReadOnlyList<NamedCount> TopBotNetworks, bool NetworksApproximate, ShieldFunnel Shield, OpenSources Opens, VerdictTotals Totals, OriginHealth Origin);

/// <summary>The verdicts of the hour the chart shows, and how many of them were stateless.</summary>
public sealed record VerdictTotals(long Human, long Suspect, long Bot, long Degraded);

/// <summary>
/// The origin over the last hour: requests it answered, of them 5xx, requests it did not answer, and its time to response
/// headers at the median and the 99th percentile in milliseconds (a bucket's upper bound: "at most"; null when none).
/// </summary>
public sealed record OriginHealth(long Answered, long Errors5xx, long Failed, double? P50Ms, double? P99Ms);

/// <param name="Degraded">Of those verdicts, the stateless ones (X-Bot-Degraded: the store did not answer).</param>
public sealed record MinuteVerdicts(DateTimeOffset Minute, long Human, long Suspect, long Bot, long Degraded);

public sealed record NamedCount(string Name, long Count);

public sealed record ShieldFunnel(long Shown, long Passed);

public sealed record OpenSources(long Machine, long ProxyHuman, long Other, long Absorbed);
