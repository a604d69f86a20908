using LinkGateway.Contracts;
using LinkGateway.Observability;
using LinkGateway.ProxyTrust;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LinkGateway.Hosting;

/// <summary>
/// /readyz's body: the overall status, each check with its status, description and data (when it has any), and the
/// warnings an operator should act on although the node is ready (they never change the status code). The details go
/// to balancers and operators only — clients with private or loopback addresses (after trusted proxies): on the public
/// port they would tell a scanner's operator where the store is and when verdicts are stateless.
/// </summary>
internal static class Readiness
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.Headers.CacheControl = "no-store";
        if (context.Connection.RemoteIpAddress is not { } client || !TrustedProxies.LooksPrivate(client))
        {
            return context.Response.WriteAsJsonAsync(new { status = ConfigNames.Of(report.Status) });
        }

        return context.Response.WriteAsJsonAsync(new
        {
            status = ConfigNames.Of(report.Status),
            checks = report.Entries.Select(e => new
            {
                name = e.Key,
                status = ConfigNames.Of(e.Value.Status),
                description = e.Value.Description,
                data = e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
            degradedPerMinute = DegradedPerMinute(context.RequestServices),
            warnings = Warnings(context.RequestServices),
        });
    }

    /// <summary>The last five minutes: verdicts, and how many were stateless because the store did not answer.</summary>
    private static IEnumerable<object> DegradedPerMinute(IServiceProvider services) =>
        services.GetRequiredService<GatewayMetrics>().Board.Snapshot().Minutes.TakeLast(5)
            .Select(m => new { minute = m.Minute, verdicts = m.Human + m.Suspect + m.Bot, degraded = m.Degraded });

    /// <summary>Every warning this node has: /readyz and the dashboard (/admin/stats) show the same list.</summary>
    private static IReadOnlyList<GatewayWarning> Warnings(IServiceProvider services) =>
        services.GetRequiredService<UntrustedForwarders>().Warnings();
}
