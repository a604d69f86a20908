using System.Net;
using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;
using LinkGateway.Guard;
using LinkGateway.Interstitial;
using LinkGateway.Links;
using LinkGateway.Memory;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LinkGateway.Hosting;

/// <summary>
/// Readiness comes after the request path has run once: the key ring read (a pass issued and read back), the store's
/// scripts loaded and the judgement compiled (a person's click judged twice against the store, from a documentation
/// address that no client has, 192.0.2.1). Until then /readyz answers 503 "warming up", so a load balancer sends no one
/// to a node whose first requests would wait for JIT and script loading. A store that is away at start is waited for up
/// to Redis:WaitAtStart; then the node is ready without it (degraded, stateless verdicts), since a node that
/// never became ready while the store is down would leave no one to answer the links.
/// </summary>
internal sealed partial class GatewayWarmUp(
    LinkGuard guard, PassTokens passes, StoreCircuit circuit, LinkGatewayOptions options, TimeProvider time, ILogger<GatewayWarmUp> logger)
    : BackgroundService, IHealthCheck
{
    public const string RequestId = "lg-warm-up";

    private static readonly RoutePolicy _click = RoutePolicy.Parse(new Dictionary<string, string> { [LinkKinds.MetadataKey] = "click" }, out _)!;

    private readonly TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the request path has run against the store.</summary>
    public Task Warm => _warm.Task;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_warm.Task.IsCompleted ? HealthCheckResult.Healthy("warm") : HealthCheckResult.Unhealthy("warming up: the first judgement has not run yet"));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = TimeProvider.System.GetTimestamp(); // wall time, whatever clock the gateway runs on
        var holder = PassHolder.Of(Fingerprint(time.GetUtcNow()));
        if (!passes.TryReadToken(passes.IssueToken("/" + RequestId, holder), "/" + RequestId, holder, out _))
        {
            throw new InvalidOperationException("The interstitial cannot read back a pass it issued: the Data Protection key ring is not usable.");
        }

        // Twice, so that the second judgement runs the compiled path; again while the store is away, up to the bound.
        var deadline = Task.Delay(options.Redis.WaitAtStart, stoppingToken);
        var stateful = false;
        while (!stateful && !deadline.IsCompleted)
        {
            await Task.WhenAny(circuit.Closed, deadline).ConfigureAwait(false);
            var first = await guard.JudgeAsync(_click, Fingerprint(time.GetUtcNow()), null, false, RequestId, stoppingToken).ConfigureAwait(false);
            var second = await guard.JudgeAsync(_click, Fingerprint(time.GetUtcNow()), null, false, RequestId, stoppingToken).ConfigureAwait(false);
            stateful = first is { Verdict.IsDegraded: false } && second is { Verdict.IsDegraded: false };
            if (!stateful && !deadline.IsCompleted)
            {
                await Task.WhenAny(Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken), deadline).ConfigureAwait(false); // the store went away meanwhile
            }
        }

        if (stateful)
        {
            Log.Warm(logger, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }
        else
        {
            Log.WarmWithoutStore(logger, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
        }

        _warm.TrySetResult();
    }

    private static RequestFingerprint Fingerprint(DateTimeOffset now) => new()
    {
        Method = "GET",
        Kind = LinkKind.Click,
        // A person's browser: nothing it does is evidence, so warm-up leaves no tag behind.
        UserAgent = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 (LinkGateway warm-up)",
        Accept = "text/html,application/xhtml+xml,*/*;q=0.8",
        HasAcceptLanguage = true,
        HasSecFetch = true,
        ClientAddress = IPAddress.Parse("192.0.2.1"),
        Identity = new LinkIdentity(RequestId, RequestId, RequestId, null),
        ReceivedAt = now,
    };

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information, "Warm: the request path ran against the store in {Milliseconds:0} ms; ready")]
        public static partial void Warm(ILogger logger, double milliseconds);

        [LoggerMessage(61, LogLevel.Warning, "Warm without the store after {Milliseconds:0} ms: ready, answering statelessly until the store answers")]
        public static partial void WarmWithoutStore(ILogger logger, double milliseconds);
    }
}
