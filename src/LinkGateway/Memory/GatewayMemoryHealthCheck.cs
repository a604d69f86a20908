using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LinkGateway.Memory;

/// <summary>
/// Readiness of the store. A store that does not answer is Degraded, not Unhealthy: the gateway still
/// answers every request from stateless signals. /readyz maps Degraded to 503 so a load balancer
/// prefers nodes that do have their memory.
/// </summary>
internal sealed class GatewayMemoryHealthCheck(IGatewayMemory memory, StoreCircuit circuit) : IHealthCheck
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (circuit.IsOpen)
        {
            return HealthCheckResult.Degraded($"{memory.Name} store circuit is open after repeated failures; verdicts are stateless");
        }

        try
        {
            var elapsed = await memory.PingAsync(cancellationToken).AsTask().WaitAsync(_timeout, cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"{memory.Name} store answers in {elapsed.TotalMilliseconds:0.0} ms");
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Degraded($"{memory.Name} store does not answer; verdicts are stateless", e);
        }
    }
}
