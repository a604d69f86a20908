using LinkGateway.Observability;

namespace Microsoft.Extensions.DependencyInjection;

public static class ObservabilityServiceCollectionExtensions
{
    /// <summary>The gateway's meter and dashboard board. Exported by the admin port (<c>/metrics</c>), which listens to the meter by name.</summary>
    public static IServiceCollection AddGatewayMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<GatewayMetrics>();
        services.AddSingleton<IMetricsAtZero>(sp => sp.GetRequiredService<GatewayMetrics>());
        return services;
    }
}
