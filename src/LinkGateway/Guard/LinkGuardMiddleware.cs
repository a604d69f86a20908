using LinkGateway.Fingerprinting;
using LinkGateway.Interstitial;
using LinkGateway.Links;
using LinkGateway.Memory;
using LinkGateway.Scoring;
using LinkGateway.Signals;

namespace LinkGateway.Guard;

/// <summary>
/// The proxy-pipeline step that judges each request and acts on it: fingerprint, stateless signals,
/// one store round trip, verdict, then the route's policy (forward, interstitial, absorb, honeypot).
/// The verdict goes into <see cref="LinkGuardFeature"/> for the header transform and the request log.
/// A store that is slow or down costs at most the configured budget and marks the verdict degraded;
/// it never fails the request.
/// </summary>
internal sealed partial class LinkGuardMiddleware
{
    public const string StoreUnavailable = "store-unavailable";

    private readonly RequestDelegate _next;
    private readonly GuardSnapshotHolder _snapshots;
    private readonly RoutePolicies _routes;
    private readonly IGatewayMemory _memory;
    private readonly InterstitialShield _shield;
    private readonly StoreCircuit _circuit;
    private readonly TimeProvider _time;
    private readonly ILogger<LinkGuardMiddleware> _logger;

    public LinkGuardMiddleware(RequestDelegate next, GuardSnapshotHolder snapshots, RoutePolicies routes, IGatewayMemory memory,
        InterstitialShield shield, StoreCircuit circuit, TimeProvider time, ILogger<LinkGuardMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(snapshots);
        _next = next;
        _snapshots = snapshots;
        _routes = routes;
        _memory = memory;
        _shield = shield;
        _circuit = circuit;
        _time = time;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var snapshot = _snapshots.Current;
        var policy = _routes.For(context.GetReverseProxyFeature().Route.Config);
        var request = context.Request;
        var botThreshold = snapshot.Scorer.Policy.BotThreshold;

        // A form posted to a link with an interstitial: the page's pass, or an RFC 8058 one-click unsubscribe.
        IFormCollection? form = null;
        if (HttpMethods.IsPost(request.Method) && policy.HasInterstitial)
        {
            var tooLarge = false;
            form = await _shield.ReadFormAsync(request, () => tooLarge = true).ConfigureAwait(false);
            if (tooLarge)
            {
                await WriteTooLargeAsync(context).ConfigureAwait(false);
                return;
            }
        }

        var requestId = Guid.CreateVersion7().ToString("N");
        var fingerprint = FingerprintReader.Read(context, policy.Kind, snapshot.Identity, _time.GetUtcNow());
        var signals = snapshot.Detector.Detect(fingerprint);

        if (form?.ContainsKey(InterstitialPage.PassField) == true)
        {
            var postVerdict = snapshot.Scorer.Score(signals);
            context.Features.Set(new LinkGuardFeature(policy.Kind, postVerdict, requestId));
            await _shield.HandlePassAsync(context, policy, form, postVerdict, botThreshold, postVerdict.Kind == VerdictKind.Bot).ConfigureAwait(false);
            return;
        }

        var pass = policy.HasInterstitial && !HttpMethods.IsPost(request.Method) ? await _shield.TryRedeemCookieAsync(context).ConfigureAwait(false) : null;
        if (pass is { } passKind)
        {
            signals = signals.With(passKind == PassKind.Click ? Signal.PassHuman : Signal.PassScript);
        }

        if (policy.Kind == LinkKind.Honeypot)
        {
            signals = signals.With(Signal.Honeypot);
        }

        var observation = Observe(snapshot, policy, fingerprint, signals, requestId);
        var (verdict, remember) = await RecallAndScoreAsync(context, snapshot, observation, signals).ConfigureAwait(false);
        if (verdict is null)
        {
            return; // the client left
        }

        context.Features.Set(new LinkGuardFeature(policy.Kind, verdict, requestId));
        // Newly revealed scanners are written while the request goes on; the response does not wait for it.
        var remembering = remember is { HasWork: true } ? RememberAsync(remember) : Task.CompletedTask;
        try
        {
            await ActAsync(context, snapshot, policy, verdict, form, pass is not null).ConfigureAwait(false);
        }
        finally
        {
            await remembering.ConfigureAwait(false);
        }
    }

    private async Task ActAsync(HttpContext context, GuardSnapshot snapshot, RoutePolicy policy, Verdict verdict, IFormCollection? form, bool passed)
    {
        if (policy.Kind == LinkKind.Honeypot)
        {
            await WriteNeutralPageAsync(context).ConfigureAwait(false);
            return;
        }

        var oneClick = policy.Kind == LinkKind.Unsubscribe && form is not null && InterstitialShield.IsOneClickUnsubscribe(form);
        switch (Decide(policy, verdict, context.Request.Method, passed || oneClick))
        {
            case GuardAction.Interstitial:
                await _shield.ShowAsync(context, policy, verdict, snapshot.Scorer.Policy.BotThreshold).ConfigureAwait(false);
                return;
            case GuardAction.Absorb:
                await WritePixelAsync(context).ConfigureAwait(false);
                return;
            default:
                await _next(context).ConfigureAwait(false);
                return;
        }
    }

    /// <summary>
    /// A pass or an RFC 8058 one-click always goes through. On unsubscribe and confirm routes, only a
    /// GET or HEAD that scores human goes through (every one, with Shield: always, gets the page);
    /// elsewhere the route's OnSuspect / OnBot decide.
    /// </summary>
    internal static GuardAction Decide(RoutePolicy policy, Verdict verdict, string method, bool passed)
    {
        if (passed)
        {
            return GuardAction.Forward;
        }

        if (policy.IsShielded && (policy.Shield == ShieldMode.Always || !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method))))
        {
            return GuardAction.Interstitial;
        }

        return policy.ActionFor(verdict.Kind);
    }

    private static MemoryObservation Observe(GuardSnapshot snapshot, RoutePolicy policy, RequestFingerprint fingerprint, SignalSet signals, string requestId)
    {
        var scorer = snapshot.Scorer;
        var statelessScore = scorer.ScoreOf(signals);
        var newTag = statelessScore >= scorer.Policy.BotThreshold ? new AddressTag(statelessScore, scorer.ReasonsOf(signals), fingerprint.ReceivedAt) : null;
        return new MemoryObservation(fingerprint.ReceivedAt, requestId, policy.Kind, fingerprint.ClientAddress, NetworkPrefix.Of(fingerprint.ClientAddress),
            fingerprint.Identity, ClientShape.Key(fingerprint), newTag, policy.Kind == LinkKind.Honeypot, snapshot.TagTtl);
    }

    /// <summary>
    /// The one store round trip: what the memory knew adds the behavioural signals. When the verdict is
    /// "bot" and behaviour (not the request alone) made it so, says what to tag afterwards. The verdict is
    /// null when the client left.
    /// </summary>
    private async Task<(Verdict? Verdict, MemoryRemember? Remember)> RecallAndScoreAsync(HttpContext context, GuardSnapshot snapshot, MemoryObservation observation,
        SignalSet signals)
    {
        var scorer = snapshot.Scorer;
        if (_circuit.IsOpen)
        {
            return (scorer.Score(signals, StoreUnavailable), null);
        }

        MemoryRecall recall;
        try
        {
            recall = await _memory.ObserveAsync(observation, context.RequestAborted)
                .AsTask().WaitAsync(snapshot.StoreBudget, _time, context.RequestAborted).ConfigureAwait(false);
            _circuit.Success();
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return (null, null); // Cancellation is an outcome, not an error.
        }
        catch (Exception e)
        {
            _circuit.Failure();
            Log.StoreUnavailable(_logger, _memory.Name, e.GetType().Name, e.Message);
            return (scorer.Score(signals, StoreUnavailable), null);
        }

        var verdict = scorer.Score(signals.Union(BehaviourSignals.Evaluate(recall.Facts, snapshot.Behaviour)));
        var revealed = verdict.Kind == VerdictKind.Bot && observation.NewTag is null;
        var remember = new MemoryRemember(
            observation,
            new AddressTag(verdict.Score, verdict.Reasons, observation.Now),
            TagAddress: revealed && observation.ClientAddress is not null && !recall.Facts.AddressTagged,
            TagShape: revealed && !recall.Facts.ShapeTagged,
            TakeMessage: verdict.Signals.Contains(Signal.BurstLinks),
            recall.FoldBack);
        return (verdict, remember);
    }

    private async Task RememberAsync(MemoryRemember remember)
    {
        try
        {
            await _memory.RememberAsync(remember, CancellationToken.None).AsTask().WaitAsync(TimeSpan.FromSeconds(2), _time).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RememberFailed(_logger, _memory.Name, e.GetType().Name, e.Message);
        }
    }

    private static Task WritePixelAsync(HttpContext context)
    {
        context.Response.ContentType = TransparentGif.ContentType;
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentLength = TransparentGif.Bytes.Length;
        return context.Response.Body.WriteAsync(TransparentGif.Bytes.ToArray(), context.RequestAborted).AsTask();
    }

    private static Task WriteNeutralPageAsync(HttpContext context)
    {
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        context.Response.Headers["X-Robots-Tag"] = "noindex, nofollow";
        return context.Response.WriteAsync("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Not available</title></head><body><p>This link is not available.</p></body></html>", context.RequestAborted);
    }

    private static Task WriteTooLargeAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status413PayloadTooLarge;
        context.Response.ContentType = "text/plain; charset=utf-8";
        return context.Response.WriteAsync("Request too large.", context.RequestAborted);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The {Store} store did not answer ({ErrorType}: {ErrorMessage}); answering from stateless signals")]
        public static partial void StoreUnavailable(ILogger logger, string store, string errorType, string errorMessage);

        [LoggerMessage(2, LogLevel.Warning, "The {Store} store did not take a new tag or fold-back event ({ErrorType}: {ErrorMessage})")]
        public static partial void RememberFailed(ILogger logger, string store, string errorType, string errorMessage);
    }
}
