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
/// scripts loaded and the judgement compiled (a request judged twice against the store, from a documentation address
/// that no client has, 192.0.2.1). Until then /readyz answers 503 "warming up", so a load balancer sends no one to a node
/// whose first requests would wait for JIT and script loading. When the store is away at start, warm-up waits for it
/// (the node is not ready without its memory, as before) and completes once it answers.
/// </summary>
internal sealed partial class GatewayWarmUp(LinkGuard guard, PassTokens passes, StoreCircuit circuit, TimeProvider time, ILogger<GatewayWarmUp> logger)
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

        while (!stoppingToken.IsCancellationRequested)
        {
            await circuit.Closed.WaitAsync(stoppingToken).ConfigureAwait(false);
            var first = await guard.JudgeAsync(_click, Fingerprint(time.GetUtcNow()), null, false, RequestId, stoppingToken).ConfigureAwait(false);
            var second = await guard.JudgeAsync(_click, Fingerprint(time.GetUtcNow()), null, false, RequestId, stoppingToken).ConfigureAwait(false);
            if (first is { Verdict.IsDegraded: false } && second is { Verdict.IsDegraded: false })
            {
                _warm.TrySetResult();
                Log.Warm(logger, TimeProvider.System.GetElapsedTime(started).TotalMilliseconds);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), stoppingToken).ConfigureAwait(false); // the store went away in between
        }
    }

    private static RequestFingerprint Fingerprint(DateTimeOffset now) => new()
    {
        Method = "GET",
        Kind = LinkKind.Click,
        UserAgent = "LinkGateway warm-up",
        Accept = "*/*",
        HasAcceptLanguage = true,
        ClientAddress = IPAddress.Parse("192.0.2.1"),
        Identity = new LinkIdentity(RequestId, RequestId, RequestId, null),
        ReceivedAt = now,
    };

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information, "Warm: the request path ran against the store in {Milliseconds:0} ms; ready")]
        public static partial void Warm(ILogger logger, double milliseconds);
    }
}
