using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LinkGateway.Memory;

/// <summary>
/// Readiness of the store, as its probe sees it (<see cref="StoreCircuit"/>): no second opinion taken through the
/// multiplexer, whose timings a busy gateway would distort. An open circuit is Degraded, not Unhealthy: the gateway
/// still answers every request from stateless signals. /readyz answers Degraded with 200 and says "degraded" in its body:
/// every node shares the store, so taking nodes out for it would take the links down too (LinkGatewayComposition).
/// </summary>
internal sealed class GatewayMemoryHealthCheck(IGatewayMemory memory, StoreCircuit circuit, ObservationBacklog backlog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var state = circuit.State();
        var data = new Dictionary<string, object>
        {
            ["circuit"] = state.IsOpen ? "open" : "closed",
            ["probes"] = state.Probes,
            ["probeFailures"] = state.ProbeFailures,
            ["lateAnswers"] = state.LateAnswers,
            ["timesOpened"] = state.TimesOpened,
            ["budgetExceeded"] = state.BudgetExceeded,
            ["backlog"] = backlog.Count,
            ["backlogDropped"] = backlog.Dropped,
        };
        if (state.LastRoundTrip is { } roundTrip)
        {
            data["lastPingMs"] = Math.Round(roundTrip.TotalMilliseconds, 2);
            data["lastAnsweredAt"] = state.LastAnsweredAt!.Value;
        }

        if (state.LastProblem is { } problem)
        {
            data["lastProblem"] = problem;
        }

        return Task.FromResult(state.IsOpen
            ? HealthCheckResult.Degraded($"{memory.Name} store fails the probe ({state.LastProblem}); verdicts are stateless", data: data)
            : HealthCheckResult.Healthy(state.LastRoundTrip is { } ping ? $"{memory.Name} store answers the probe in {ping.TotalMilliseconds:0.0} ms" : $"{memory.Name} store", data));
    }
}
