using LinkGateway.Hosting;
using LinkGateway.Interstitial;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class InterstitialServiceCollectionExtensions
{
    /// <summary>
    /// The interstitial and its pass tokens, on ASP.NET Core Data Protection. With Redis the key ring is
    /// kept in Redis, so a token issued by one node is accepted by every other.
    /// </summary>
    public static IServiceCollection AddInterstitialShield(this IServiceCollection services, LinkGatewayOptions options)
    {
        services.AddDataProtection().SetApplicationName("LinkGateway");
        if (!string.IsNullOrWhiteSpace(options.Redis.Configuration))
        {
            var key = (RedisKey)$"{options.Redis.KeyPrefix}dataprotection-keys";
            services.AddOptions<KeyManagementOptions>()
                .Configure<IConnectionMultiplexer>((keys, redis) => keys.XmlRepository = new RedisXmlRepository(() => redis.GetDatabase(), key));
        }

        services.AddSingleton<PassTokens>();
        services.AddSingleton<InterstitialShield>();
        return services;
    }
}
