using LinkGateway.Memory;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class MemoryServiceCollectionExtensions
{
    /// <summary>Registers the store: Redis when a configuration string is given, else the in-process store.</summary>
    public static IServiceCollection AddGatewayMemory(this IServiceCollection services, RedisOptions redisOptions, MemoryOptions memoryOptions)
    {
        services.AddSingleton(new MemoryKeys(redisOptions.KeyPrefix));
        services.AddSingleton(redisOptions);
        services.AddHealthChecks().AddCheck<GatewayMemoryHealthCheck>("store");
        services.AddSingleton<ObservationBacklog>();
        services.AddSingleton<SingleUseMarks>();
        services.AddHostedService(sp => sp.GetRequiredService<ObservationBacklog>());
        if (string.IsNullOrWhiteSpace(redisOptions.Configuration))
        {
            services.AddSingleton(sp => StoreCircuit.AlwaysClosed(sp.GetRequiredService<TimeProvider>()));
            services.AddSingleton<IGatewayMemory>(sp => new InProcessGatewayMemory(
                sp.GetRequiredService<MemoryKeys>(), sp.GetRequiredService<TimeProvider>(), memoryOptions.InProcessMaxBytes));
            return services;
        }

        var redis = ConfigurationOptions.Parse(redisOptions.Configuration);
        // Start even when Redis is down: requests are answered statelessly until it is back. While it is
        // down, commands fail at once instead of queueing, so each request pays nothing for the outage.
        redis.AbortOnConnectFail = false;
        redis.BacklogPolicy = BacklogPolicy.FailFast;
        services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var multiplexer = ConnectionMultiplexer.Connect(redis);
            // A Redis restarted without persistence has forgotten which passes were used: this node tells it again.
            multiplexer.ConnectionRestored += (_, _) => sp.GetRequiredService<SingleUseMarks>().Reannounce();
            return multiplexer;
        });
        services.AddSingleton(sp => new StoreCircuit(sp.GetRequiredService<TimeProvider>(), redisOptions.CircuitFailures));
        services.AddSingleton<StoreAnswers>();
        services.AddSingleton(sp => new RedisProbe(sp.GetRequiredService<IConnectionMultiplexer>(), redis, sp.GetRequiredService<StoreCircuit>(),
            sp.GetRequiredService<StoreAnswers>(), redisOptions, sp.GetRequiredService<ILogger<RedisProbe>>()));
        services.AddHostedService(sp => sp.GetRequiredService<RedisProbe>());
        services.AddSingleton<IGatewayMemory>(sp => new RedisGatewayMemory(
            sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<MemoryKeys>(), sp.GetRequiredService<StoreAnswers>()));
        return services;
    }
}
