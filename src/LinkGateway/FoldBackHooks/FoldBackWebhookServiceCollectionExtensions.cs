using LinkGateway.FoldBackHooks;
using LinkGateway.Memory;
using LinkGateway.Signing;
using StackExchange.Redis;

namespace Microsoft.Extensions.DependencyInjection;

public static class FoldBackWebhookServiceCollectionExtensions
{
    /// <summary>
    /// POSTs fold-back events to <c>LinkGateway:FoldBack:Webhook:Url</c> when it is set (nothing otherwise): read from the
    /// Redis stream through a consumer group when the store is Redis, from the in-process store's list otherwise.
    /// Needs the store (<c>AddGatewayMemory</c>) and the signing key (<c>AddBotHeaders</c>).
    /// </summary>
    public static IServiceCollection AddFoldBackWebhooks(this IServiceCollection services, FoldBackWebhookOptions options)
    {
        if (!options.Enabled)
        {
            return services;
        }

        services.AddSingleton(options);
        services.AddSingleton<FoldBackWebhookMetrics>();
        services.AddSingleton<LinkGateway.Observability.IMetricsAtZero>(sp => sp.GetRequiredService<FoldBackWebhookMetrics>());
        services.AddSingleton<IFoldBackFeed>(sp => sp.GetRequiredService<IGatewayMemory>() is InProcessGatewayMemory inProcess
            ? new InProcessFoldBackFeed(inProcess)
            : new RedisFoldBackFeed(sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<MemoryKeys>(), options));
        services.AddSingleton(sp => new FoldBackWebhookSender(sp.GetRequiredService<BotHeaderSignature>(), sp.GetRequiredService<TimeProvider>(), options));
        services.AddHostedService<FoldBackWebhookDelivery>();
        return services;
    }
}
