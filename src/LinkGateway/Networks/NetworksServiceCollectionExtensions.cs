using LinkGateway.Memory;
using LinkGateway.Networks;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class NetworksServiceCollectionExtensions
{
    /// <summary>Runtime allow/deny networks: in Redis when the gateway uses it (after <c>AddGatewayMemory</c>), else in the process.</summary>
    public static IServiceCollection AddOperatorNetworks(this IServiceCollection services)
    {
        services.AddSingleton<OperatorNetworks>();
        services.AddSingleton<IOperatorNetworkStore>(sp => sp.GetService<IConnectionMultiplexer>() is { } redis
            ? new RedisOperatorNetworkStore(redis, sp.GetRequiredService<MemoryKeys>())
            : new InProcessOperatorNetworkStore());
        services.AddSingleton<OperatorNetworksSync>();
        services.AddHostedService(sp => sp.GetRequiredService<OperatorNetworksSync>());
        return services;
    }
}
