using LinkGateway.Paths;
using Yarp.ReverseProxy.Configuration;

namespace Microsoft.Extensions.DependencyInjection;

public static class ShieldedPathsServiceCollectionExtensions
{
    /// <summary>Keeps the shielded routes' namespaces in step with the routes YARP applies.</summary>
    public static IServiceCollection AddShieldedPaths(this IServiceCollection services)
    {
        services.AddSingleton<RoutePolicies>();
        services.AddSingleton<ShieldedNamespacesHolder>();
        services.AddSingleton<IConfigChangeListener>(provider => provider.GetRequiredService<ShieldedNamespacesHolder>());
        return services;
    }
}
