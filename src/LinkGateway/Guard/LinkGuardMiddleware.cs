using LinkGateway.Memory;
using LinkGateway.Signals;

namespace LinkGateway.Guard;

/// <summary>
/// The proxy-pipeline step that judges each request: fingerprint, stateless signals, one store round
/// trip, verdict. The verdict goes into <see cref="LinkGuardFeature"/> for the header transform and
/// the request log. A store that is slow or down costs at most the configured budget and marks the
/// verdict degraded; it never fails the request.
/// </summary>
internal sealed partial class LinkGuardMiddleware
{
    public const string StoreUnavailable = "store-unavailable";

    private readonly RequestDelegate _next;
    private readonly GuardSnapshotHolder _snapshots;
    private readonly RoutePolicies _routes;
    private readonly IGatewayMemory _memory;
    private readonly TimeProvider _time;
    private readonly ILogger<LinkGuardMiddleware> _logger;

    public LinkGuardMiddleware(RequestDelegate next, GuardSnapshotHolder snapshots, RoutePolicies routes, IGatewayMemory memory,
        TimeProvider time, ILogger<LinkGuardMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(snapshots);
        _next = next;
        _snapshots = snapshots;
        _routes = routes;
        _memory = memory;
        _time = time;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var snapshot = _snapshots.Current;
        var policy = _routes.For(context.GetReverseProxyFeature().Route.Config);
        var now = _time.GetUtcNow();
        var fingerprint = FingerprintReader.Read(context, policy.Kind, snapshot.Identity, now);
        var scorer = snapshot.Scorer;

        var signals = snapshot.Detector.Detect(fingerprint);
        var statelessScore = scorer.ScoreOf(signals);
        var newTag = statelessScore >= scorer.Policy.BotThreshold && fingerprint.ClientAddress is not null
            ? new AddressTag(statelessScore, scorer.ReasonsOf(signals), now)
            : null;

        string? degraded = null;
        try
        {
            var recall = await _memory.ObserveAsync(new MemoryObservation(fingerprint.ClientAddress, newTag, snapshot.TagTtl), context.RequestAborted)
                .AsTask().WaitAsync(snapshot.StoreBudget, _time, context.RequestAborted).ConfigureAwait(false);
            if (recall.ExistingTag is not null)
            {
                signals = signals.With(Signal.TagIp);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return; // The client left; cancellation is an outcome, not an error.
        }
        catch (Exception e)
        {
            degraded = StoreUnavailable;
            Log.StoreUnavailable(_logger, _memory.Name, e.GetType().Name, e.Message);
        }

        context.Features.Set(new LinkGuardFeature(policy.Kind, scorer.Score(signals, degraded)));
        await _next(context).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The {Store} store did not answer ({ErrorType}: {ErrorMessage}); answering from stateless signals")]
        public static partial void StoreUnavailable(ILogger logger, string store, string errorType, string errorMessage);
    }
}
