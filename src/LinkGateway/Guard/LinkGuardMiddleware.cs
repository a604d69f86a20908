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
    private readonly TimeProvider _time;
    private readonly ILogger<LinkGuardMiddleware> _logger;

    public LinkGuardMiddleware(RequestDelegate next, GuardSnapshotHolder snapshots, RoutePolicies routes, IGatewayMemory memory,
        InterstitialShield shield, TimeProvider time, ILogger<LinkGuardMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(snapshots);
        _next = next;
        _snapshots = snapshots;
        _routes = routes;
        _memory = memory;
        _shield = shield;
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

        var fingerprint = FingerprintReader.Read(context, policy.Kind, snapshot.Identity, _time.GetUtcNow());
        var signals = snapshot.Detector.Detect(fingerprint);

        if (form?.ContainsKey(InterstitialPage.PassField) == true)
        {
            var postVerdict = snapshot.Scorer.Score(signals);
            context.Features.Set(new LinkGuardFeature(policy.Kind, postVerdict));
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

        var verdict = await RecallAndScoreAsync(context, snapshot, fingerprint, signals).ConfigureAwait(false);
        if (verdict is null)
        {
            return; // the client left
        }

        context.Features.Set(new LinkGuardFeature(policy.Kind, verdict));
        if (policy.Kind == LinkKind.Honeypot)
        {
            await WriteNeutralPageAsync(context).ConfigureAwait(false);
            return;
        }

        var oneClick = policy.Kind == LinkKind.Unsubscribe && form is not null && InterstitialShield.IsOneClickUnsubscribe(form);
        switch (Decide(policy, verdict, request.Method, pass is not null || oneClick))
        {
            case GuardAction.Interstitial:
                await _shield.ShowAsync(context, policy, verdict, botThreshold).ConfigureAwait(false);
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

    /// <summary>One store round trip: recall what is known of the client and tag it when this request is a bot; null when the client left.</summary>
    private async Task<Verdict?> RecallAndScoreAsync(HttpContext context, GuardSnapshot snapshot, RequestFingerprint fingerprint, SignalSet signals)
    {
        var scorer = snapshot.Scorer;
        var statelessScore = scorer.ScoreOf(signals);
        var newTag = statelessScore >= scorer.Policy.BotThreshold && fingerprint.ClientAddress is not null
            ? new AddressTag(statelessScore, scorer.ReasonsOf(signals), fingerprint.ReceivedAt)
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
            return null; // Cancellation is an outcome, not an error.
        }
        catch (Exception e)
        {
            degraded = StoreUnavailable;
            Log.StoreUnavailable(_logger, _memory.Name, e.GetType().Name, e.Message);
        }

        return scorer.Score(signals, degraded);
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
    }
}
