using System.Diagnostics.Metrics;
using LinkGateway.Observability;

namespace LinkGateway.FoldBackHooks;

/// <summary>The webhook's instruments on the gateway's meter, every series present from the start at zero.</summary>
public sealed class FoldBackWebhookMetrics : IMetricsAtZero
{
    /// <summary>
    /// Why an event was given up: the receiver refused it (a 3xx or 4xx other than 408/429), it ran out of attempts, or it
    /// was dropped unsent (the in-process bound, or a stream entry that is no fold-back event).
    /// </summary>
    public static readonly string[] FailureReasons = ["rejected", "exhausted", "lost"];

    private readonly Counter<long> _delivered;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _failed;
    private long _pending;

    public FoldBackWebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(GatewayMetrics.MeterName);
        _delivered = meter.CreateCounter<long>("linkgateway.foldback.webhook.delivered", "{event}", "Fold-back events the webhook receiver accepted with a 2xx");
        _retried = meter.CreateCounter<long>("linkgateway.foldback.webhook.retried", "{attempt}", "Webhook POSTs that failed and will be tried again (5xx, 408, 429, timeout, no connection)");
        _failed = meter.CreateCounter<long>("linkgateway.foldback.webhook.failed", "{event}", "Fold-back events given up, by reason (they stay in the stream)");
        meter.CreateObservableGauge("linkgateway.foldback.webhook.pending", () => Interlocked.Read(ref _pending), "{event}",
            "Fold-back events written and not yet delivered or given up (with Redis: the consumer group's, every node)");
    }

    public void ExportAtZero()
    {
        _delivered.Add(0);
        _retried.Add(0);
        foreach (var reason in FailureReasons)
        {
            _failed.Add(0, new KeyValuePair<string, object?>("reason", reason));
        }
    }

    public void Delivered() => _delivered.Add(1);

    public void Retried() => _retried.Add(1);

    public void Failed(string reason, long count = 1) => _failed.Add(count, new KeyValuePair<string, object?>("reason", reason));

    public void Pending(long count) => Interlocked.Exchange(ref _pending, count);
}
