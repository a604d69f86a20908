using LinkGateway.Observability;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Microsoft.Extensions.DependencyInjection;

public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The gateway's meter and dashboard board. Exported by the admin port (<c>/metrics</c>), which listens to the meter by name.</summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.TryAddSingleton<LogQueue>(); // the host's logger may have asked for it first (GatewayApp)
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<IMetricsAtZero>(sp => sp.GetRequiredService<GatewayMetrics>());
        return services;
    }
}
