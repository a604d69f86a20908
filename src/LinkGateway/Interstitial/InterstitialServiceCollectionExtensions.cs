using LinkGateway.Contracts;
using LinkGateway.Guard;
using LinkGateway.Interstitial;
using LinkGateway.Memory;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.StackExchangeRedis;
using Microsoft.AspNetCore.DataProtection;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class InterstitialServiceCollectionExtensions
{
    /// <summary>
    /// The interstitial and its pass tokens, on ASP.NET Core Data Protection. The key ring lives in a local folder
    /// (LinkGateway:Shield:KeyRingPath) and, with Redis, in Redis too (<see cref="MirroredKeyRing"/>): a token issued by
    /// one node is accepted by every other, and by this one through a Redis outage.
    /// </summary>
    /// <param name="brands">The brands checked at start-up; a per-host choice (<see cref="IHostBrand"/>) registered by the host policy joins them.</param>
    public static IServiceCollection AddInterstitialShield(this IServiceCollection services, ShieldOptions shield, RedisOptions redisOptions, BrandBook brands)
    {
        var folder = new DirectoryInfo(shield.KeyRingFolder(redisOptions));
        if (shield.FormerKeyRingFolder(redisOptions) is { } former)
        {
            try
            {
                LocalKeyRing.CopyKeys(new DirectoryInfo(former), folder); // the default folder's former name (ShieldOptions)
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Not copied: the keys are in Redis too, and a folder that cannot be written stops start-up with its key.
            }
        }

        services.AddDataProtection().SetApplicationName("LinkGateway");
        services.AddSingleton(sp => new LocalKeyRing(folder, sp.GetRequiredService<ILoggerFactory>()));
        if (string.IsNullOrWhiteSpace(redisOptions.Configuration))
        {
            services.AddOptions<KeyManagementOptions>().Configure<LocalKeyRing>((keys, local) => keys.XmlRepository = local);
        }
        else
        {
            var key = (RedisKey)$"{redisOptions.KeyPrefix}dataprotection-keys";
            // A singleton, so that the container disposes it, and with it its write-back loop, when the node stops.
            services.AddSingleton(sp =>
            {
                var redis = sp.GetRequiredService<IConnectionMultiplexer>();
                var ring = new MirroredKeyRing(new RedisXmlRepository(() => redis.GetDatabase(), key), sp.GetRequiredService<LocalKeyRing>(),
                    sp.GetRequiredService<StoreCircuit>(), sp.GetRequiredService<ILogger<MirroredKeyRing>>());
                // A Redis restarted empty has lost the ring: this node writes its copy back, so nodes started since can read it.
                redis.ConnectionRestored += (_, _) => ring.Reconnected();
                return ring;
            });
            services.AddOptions<KeyManagementOptions>().Configure<MirroredKeyRing>((keys, ring) => keys.XmlRepository = ring);
        }

        services.AddSingleton(shield);
        services.AddSingleton<PassTokens>();
        services.AddSingleton(sp => brands.WithHostBrand(sp.GetService<IHostBrand>()));
        services.AddSingleton<InterstitialShield>();
        services.AddSingleton<IInterstitial>(sp => sp.GetRequiredService<InterstitialShield>());
        return services;
    }
}
