using LinkGateway.Verification;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

public static class BotHeaderVerificationServiceCollectionExtensions
{
    /// <summary>
    /// The verifier of the gateway's X-Bot-* headers, for <c>UseBotHeaderVerification()</c>; the clock is the registered
    /// <see cref="TimeProvider"/> (the system's by default). A refused key is an options validation failure
    /// (<see cref="OptionsValidationException"/> naming <see cref="BotHeaderVerificationOptions.KeyName"/>), checked on start.
    /// </summary>
    public static IServiceCollection AddBotHeaderVerification(this IServiceCollection services, Action<BotHeaderVerificationOptions> configure)
    {
        services.AddOptions<BotHeaderVerificationOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BotHeaderVerificationOptions>, BotHeaderVerificationOptionsValidation>());
        services.TryAddSingleton(TimeProvider.System);
        // Options are validated before the factory runs: the key reaching FromBase64Key is one it accepts.
        services.TryAddSingleton(provider => BotHeaderVerifier.FromBase64Key(provider.GetRequiredService<IOptions<BotHeaderVerificationOptions>>().Value.Key));
        return services;
    }
}
