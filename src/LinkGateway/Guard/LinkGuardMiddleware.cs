using LinkGateway.Contracts;
using LinkGateway.Forwarding;
using LinkGateway.Links;
using LinkGateway.Observability;
using LinkGateway.Paths;

namespace LinkGateway.Guard;

/// <summary>
/// The proxy-pipeline step: reads what the request brings (its fingerprint; on links with an interstitial, a form or a
/// pass cookie, through <see cref="IInterstitial"/>), has <see cref="LinkGuard"/> judge it, and acts: forward, the
/// interstitial (shown, or its answer checked), absorb or the neutral page.
/// The verdict goes into <see cref="LinkGuardFeature"/> for the header transform and the request log.
/// </summary>
internal sealed class LinkGuardMiddleware
{
    private readonly RequestDelegate _next;
    private readonly LinkGuard _guard;
    private readonly RoutePolicies _routes;
    private readonly IInterstitial _interstitial;
    private readonly TimeProvider _time;
    private readonly GatewayMetrics _metrics;

    public LinkGuardMiddleware(RequestDelegate next, LinkGuard guard, RoutePolicies routes, IInterstitial interstitial, TimeProvider time, GatewayMetrics metrics)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(guard);
        _next = next;
        _guard = guard;
        _routes = routes;
        _interstitial = interstitial;
        _time = time;
        _metrics = metrics;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var snapshot = _guard.Snapshot;
        // The host's policy (tracking domains): its Shield under the route's, its weights, and for the Host transform and the
        // interstitial's brand, kept with the request.
        var host = snapshot.Hosts.For(context.Request.Host.Value);
        context.Features.Set(host);
        var policy = host.Guarding(_routes.For(context));
        BotHeaders.StripFromClient(context);
        if (context.Request.Headers.UserAgent.Count > 1)
        {
            // User-Agent is a singleton field (RFC 9110 §10.1.5) that no browser repeats; a second value would let a client
            // be judged by one User-Agent while the origin logs the other.
            await PlainAnswer.BadRequestAsync(context).ConfigureAwait(false);
            return;
        }

        var receivedAt = _time.GetUtcNow();
        var requestId = RequestIds.New(receivedAt);
        var fingerprint = FingerprintReader.Read(context, policy.Kind, snapshot.Identities.For(policy), receivedAt);
        var input = await _interstitial.ReadAsync(context, policy, fingerprint).ConfigureAwait(false);
        switch (input.Refusal)
        {
            case FormRefusal.TooLarge:
                await PlainAnswer.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "Request too large.").ConfigureAwait(false);
                return;
            case FormRefusal.Unreadable:
                await PlainAnswer.BadRequestAsync(context).ConfigureAwait(false);
                return;
        }

        var judgement = await _guard.JudgeAsync(policy, fingerprint, input.Pass, input.IsOneClickUnsubscribe, requestId, context.RequestAborted, host)
            .ConfigureAwait(false);
        if (judgement is null)
        {
            return; // the client left
        }

        // Newly revealed scanners are written while the request goes on; the response does not wait for it.
        var remembering = judgement.Remember is { } remember ? _guard.RememberAsync(remember) : Task.CompletedTask;
        try
        {
            if (input.IsAnswer && snapshot.Mode == GatewayMode.Enforce)
            {
                // The interstitial's form came back, judged like any request: the interstitial decides whether it earned a pass.
                // Observe mode shows no page, so an answer there is forwarded like everything else.
                var passed = await _interstitial.AnswerAsync(context, policy, input, fingerprint, judgement.MayPass).ConfigureAwait(false);
                judgement = judgement with { Action = passed ? GuardAction.Pass : GuardAction.Interstitial, EnforcedAction = passed ? GuardAction.Pass : GuardAction.Interstitial };
                Record(context, policy, judgement, requestId);
                return;
            }

            Record(context, policy, judgement, requestId);
            switch (judgement.Action)
            {
                case GuardAction.NeutralPage:
                    await WriteNeutralPageAsync(context).ConfigureAwait(false);
                    break;
                case GuardAction.Interstitial:
                    await _interstitial.ShowAsync(context, policy, fingerprint, judgement.MayPass).ConfigureAwait(false);
                    break;
                case GuardAction.Absorb:
                    await WritePixelAsync(context).ConfigureAwait(false);
                    break;
                default:
                    await _next(context).ConfigureAwait(false);
                    break;
            }
        }
        finally
        {
            await remembering.ConfigureAwait(false);
        }
    }

    /// <summary>The verdict for the header transform and the request log, and the metrics.</summary>
    private void Record(HttpContext context, RoutePolicy policy, Judgement judgement, string requestId)
    {
        context.Features.Set(new LinkGuardFeature(policy.Kind, judgement.Verdict, requestId, judgement.EnforcedAction));
        _metrics.Judged(policy.Kind, judgement.Verdict, judgement.Action, judgement.Store, judgement.ClientPrefix);
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
}
