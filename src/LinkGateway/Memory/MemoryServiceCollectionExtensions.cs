using LinkGateway.Guard;
using LinkGateway.Hosting;
using LinkGateway.Memory;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class MemoryServiceCollectionExtensions
{
    /// <summary>Registers the store: Redis when a configuration string is given, else the in-process store.</summary>
    public static IServiceCollection AddGatewayMemory(this IServiceCollection services, LinkGatewayOptions options)
    {
        services.AddSingleton(new MemoryKeys(options.Redis.KeyPrefix));
        services.AddSingleton(sp => new StoreCircuit(sp.GetRequiredService<TimeProvider>(), options.Redis.CircuitFailures, options.Redis.CircuitOpenFor));
        services.AddHealthChecks().AddCheck<GatewayMemoryHealthCheck>("store");
        if (string.IsNullOrWhiteSpace(options.Redis.Configuration))
        {
            services.AddSingleton<IGatewayMemory>(sp => new InProcessGatewayMemory(
                sp.GetRequiredService<MemoryKeys>(), sp.GetRequiredService<GuardSnapshotHolder>().Current.Behaviour,
                sp.GetRequiredService<TimeProvider>(), options.Memory.InProcessMaxBytes));
            return services;
        }

        services.AddSingleton<IConnectionMultiplexer>(_ =>
        {
            var redis = ConfigurationOptions.Parse(options.Redis.Configuration);
            // Start even when Redis is down: requests are answered statelessly until it is back. While it is
            // down, commands fail at once instead of queueing, so each request pays nothing for the outage.
            redis.AbortOnConnectFail = false;
            redis.BacklogPolicy = BacklogPolicy.FailFast;
            return ConnectionMultiplexer.Connect(redis);
        });
        services.AddSingleton<IGatewayMemory>(sp => new RedisGatewayMemory(
            sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<MemoryKeys>(), sp.GetRequiredService<GuardSnapshotHolder>().Current.Behaviour));
        return services;
    }
}
