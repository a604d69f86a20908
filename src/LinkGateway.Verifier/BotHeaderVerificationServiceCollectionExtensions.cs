using LinkGateway.Verification;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class BotHeaderVerificationServiceCollectionExtensions
{
    /// <summary>The verifier of the gateway's X-Bot-* headers, for <c>UseBotHeaderVerification()</c>; the clock is the registered <see cref="TimeProvider"/> (the system's by default).</summary>
    public static IServiceCollection AddBotHeaderVerification(this IServiceCollection services, Action<BotHeaderVerificationOptions> configure)
    {
        services.Configure(configure);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => BotHeaderVerifier.FromBase64Key(provider.GetRequiredService<IOptions<BotHeaderVerificationOptions>>().Value.Key));
        return services;
    }
}
