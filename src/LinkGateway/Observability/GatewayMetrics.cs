using System.Diagnostics.Metrics;
using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Memory;
using LinkGateway.Scoring;
using LinkGateway.Signals;

namespace LinkGateway.Observability;

/// <summary>
/// What the gateway does, counted: System.Diagnostics.Metrics instruments on the "LinkGateway" meter (exported in
/// Prometheus text format on the admin port) and the same events into this node's <see cref="DashboardBoard"/>.
/// One call per judged request, from the guard middleware; nothing here allocates per request. Every series whose labels
/// are known up front (route kind × verdict × action, each reason code, …) is exported from the start at zero, so that a
/// rate over a counter that has not moved yet is 0, not "no data".
/// </summary>
public sealed class GatewayMetrics : IMetricsAtZero
{
    public const string MeterName = "LinkGateway";

    // Store round trips are sub-millisecond on a LAN and the budget is 20 ms: buckets where that happens.
    private static readonly double[] _storeBuckets = [0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1];

    /// <summary>The origin's time to response headers, from a fast redirect on the LAN to a slow page: the histogram's and the dashboard's buckets.</summary>
    public static readonly double[] OriginBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    /// <summary>How the origin answered: its status class, or <c>failed</c> when it did not (no connection, a timeout, a reset).</summary>
    public static readonly string[] OriginClasses = ["2xx", "3xx", "4xx", "5xx", "failed"];

    private static readonly string[] _actions = [.. new[] { GuardAction.Forward, GuardAction.Interstitial, GuardAction.Absorb, GuardAction.NeutralPage }.Select(a => a.ToName())];

    private readonly Counter<long> _requests;
    private readonly Counter<long> _reasons;
    private readonly Counter<long> _shield;
    private readonly Counter<long> _absorbed;
    private readonly Counter<long> _tags;
    private readonly Histogram<double> _storeDuration;
    private readonly Counter<long> _degraded;
    private readonly Counter<long> _rateLimited;
    private readonly Counter<long> _shed;
    private readonly Counter<long> _untrustedForwarded;
    private readonly Histogram<double> _originDuration;
    private readonly Counter<long> _originResponses;

    public GatewayMetrics(IMeterFactory meters, TimeProvider time, StoreCircuit circuit, LogQueue log)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("linkgateway.requests", "{request}", "Requests judged, by route kind, verdict and action taken");
        _reasons = meter.CreateCounter<long>("linkgateway.reasons", "{request}", "Judged requests that carried each reason code");
        _shield = meter.CreateCounter<long>("linkgateway.shield", "{request}", "Interstitial pages shown, and requests let through by a pass (outcome)");
        _absorbed = meter.CreateCounter<long>("linkgateway.opens.absorbed", "{request}", "Machine opens answered with the pixel, origin untouched");
        _tags = meter.CreateCounter<long>("linkgateway.tags", "{tag}", "Tags written: client addresses, client shapes, honeypot marks");
        _storeDuration = meter.CreateHistogram<double>("linkgateway.store.duration", "s", "Duration of the store's one round trip per request",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = _storeBuckets });
        _degraded = meter.CreateCounter<long>("linkgateway.degraded", "{request}", "Requests answered from stateless signals because the store did not");
        _rateLimited = meter.CreateCounter<long>("linkgateway.rate_limited", "{request}", "Requests refused with 429 by the per-client rate limit");
        _shed = meter.CreateCounter<long>("linkgateway.shed", "{request}", "Requests shed with 503 at the edge because the gateway had its limit in flight");
        _untrustedForwarded = meter.CreateCounter<long>("linkgateway.untrusted_forwarded", "{request}",
            "Requests with X-Forwarded-For from a private address that is not a trusted proxy (LinkGateway:ForwardedHeaders)");
        _originDuration = meter.CreateHistogram<double>("linkgateway.origin.duration", "s", "Time from sending a request to the origin to its response headers",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = OriginBuckets });
        _originResponses = meter.CreateCounter<long>("linkgateway.origin.responses", "{response}", "Requests forwarded to the origin, by the class of its answer (failed: none)");
        Board = new DashboardBoard(time);
        var build = BuildInfo();
        meter.CreateObservableGauge("linkgateway.build.info", () => new Measurement<int>(1, build), description: "Always 1; the labels say which build runs");
        meter.CreateObservableGauge("linkgateway.store.circuit", () => circuit.IsOpen ? 1 : 0, description: "1 while the store's circuit is open (verdicts stateless), 0 while closed");
        meter.CreateObservableGauge("linkgateway.store.degraded_share", () => Board.DegradedShare(), description: "Share of this node's verdicts in the last 5 minutes that were stateless (0..1)");
        meter.CreateObservableCounter("linkgateway.log.dropped", () => log.Dropped, "{event}",
            "Log lines dropped because the log's sinks fell behind by LogQueue.Capacity lines");
        meter.CreateObservableGauge("linkgateway.log.waiting", () => log.Waiting, "{event}", "Log lines waiting to be written to the log's sinks");
        meter.CreateObservableCounter("linkgateway.log.problems", () => SerilogSelfLog.Problems, "{problem}",
            "What Serilog could not do while writing the log, as its self-log told it (most often a sink that failed to write a line); the process's count");
    }

    /// <summary>The version and commit the running assembly was built from (<see cref="BuildVersion"/>).</summary>
    public static KeyValuePair<string, object?>[] BuildInfo() =>
        [new("version", BuildVersion.Current.Version), new("commit", BuildVersion.Current.Commit ?? "unknown")];

    public void ExportAtZero()
    {
        foreach (var kind in Enum.GetValues<LinkKind>())
        {
            foreach (var verdict in Enum.GetValues<VerdictKind>())
            {
                foreach (var action in _actions)
                {
                    _requests.Add(0, new("kind", kind.ToName()), new("verdict", verdict.ToName()), new("action", action));
                }
            }
        }

        foreach (var entry in SignalCatalog.All)
        {
            _reasons.Add(0, new KeyValuePair<string, object?>("reason", entry.Code));
        }

        _shield.Add(0, new KeyValuePair<string, object?>("outcome", "shown"));
        _shield.Add(0, new KeyValuePair<string, object?>("outcome", "passed"));
        foreach (var entity in (string[])["address", "shape", "honeypot"])
        {
            _tags.Add(0, new KeyValuePair<string, object?>("entity", entity));
        }

        foreach (var answer in OriginClasses)
        {
            _originResponses.Add(0, new KeyValuePair<string, object?>("class", answer));
        }

        _absorbed.Add(0);
        _degraded.Add(0);
        _rateLimited.Add(0);
        _shed.Add(0);
        _untrustedForwarded.Add(0);
    }

    /// <summary>A request the gateway forwarded came back from the origin (<paramref name="status"/>), or did not (null).</summary>
    public void OriginAnswered(TimeSpan elapsed, int? status)
    {
        var answer = status switch
        {
            null => 4,
            >= 500 => 3,
            >= 400 => 2,
            >= 300 => 1,
            _ => 0,
        };
        _originResponses.Add(1, new KeyValuePair<string, object?>("class", OriginClasses[answer]));
        if (status is not null)
        {
            _originDuration.Record(elapsed.TotalSeconds);
        }

        Board.AddOrigin(elapsed, status);
    }

    /// <summary>This node's recent activity, for the admin dashboard.</summary>
    public DashboardBoard Board { get; }

    /// <param name="kind">The route's kind.</param>
    /// <param name="verdict">What the guard concluded.</param>
    /// <param name="action">What the gateway did with the request.</param>
    /// <param name="store">How the store round trip went.</param>
    /// <param name="clientPrefix">The client's /24 or /48, when known.</param>
    public void Judged(LinkKind kind, Verdict verdict, GuardAction action, StoreOutcome store, string? clientPrefix)
    {
        _requests.Add(1, new("kind", kind.ToName()), new("verdict", verdict.KindName), new("action", action.ToName()));
        foreach (var signal in verdict.Signals)
        {
            _reasons.Add(1, new KeyValuePair<string, object?>("reason", signal.Code()));
        }

        switch (ShieldSteps.Of(verdict, action))
        {
            case ShieldStep.Shown:
                _shield.Add(1, new KeyValuePair<string, object?>("outcome", "shown"));
                break;
            case ShieldStep.Passed:
                _shield.Add(1, new KeyValuePair<string, object?>("outcome", "passed"));
                break;
        }

        if (action == GuardAction.Absorb)
        {
            _absorbed.Add(1);
        }

        if (verdict.IsDegraded)
        {
            _degraded.Add(1);
        }

        if (store.Elapsed is { } elapsed)
        {
            _storeDuration.Record(elapsed.TotalSeconds);
        }

        if (store.TaggedAddress)
        {
            _tags.Add(1, new KeyValuePair<string, object?>("entity", "address"));
        }

        if (store.TaggedShape)
        {
            _tags.Add(1, new KeyValuePair<string, object?>("entity", "shape"));
        }

        if (kind == LinkKind.Honeypot)
        {
            _tags.Add(1, new KeyValuePair<string, object?>("entity", "honeypot"));
        }

        Board.Add(kind, verdict, action, clientPrefix);
    }

    public void RateLimited() => _rateLimited.Add(1);

    public void Shed() => _shed.Add(1);

    public void UntrustedForwarded() => _untrustedForwarded.Add(1);
}
