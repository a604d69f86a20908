using LinkGateway.Observability;
using LinkGateway.ProxyTrust;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace LinkGateway.Hosting;

/// <summary>
/// /readyz's body: the overall status, each check with its status, description and data (when it has any), and the
/// warnings an operator should act on although the node is ready (they never change the status code).
/// </summary>
internal static class Readiness
{
    public static Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.Headers.CacheControl = "no-store";
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
            warnings = Warnings(context.RequestServices),
        });
    }

    /// <summary>Every warning this node has: /readyz and the dashboard show the same list.</summary>
    public static IReadOnlyList<GatewayWarning> Warnings(IServiceProvider services) =>
        services.GetRequiredService<UntrustedForwarders>().Warnings();
}
