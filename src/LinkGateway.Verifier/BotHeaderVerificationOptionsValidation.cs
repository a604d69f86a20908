using LinkGateway.Signing;
using Microsoft.Extensions.Options;

namespace LinkGateway.Verification;

/// <summary>
/// Refuses a key the verifier cannot use as an options validation failure: the origin's host stops start-up with an
/// <see cref="OptionsValidationException"/> whose message names the setting and says why, instead of an
/// <see cref="ArgumentException"/> thrown from a service factory.
/// </summary>
internal sealed class BotHeaderVerificationOptionsValidation : IValidateOptions<BotHeaderVerificationOptions>
{
    public ValidateOptionsResult Validate(string? name, BotHeaderVerificationOptions options) =>
        BotHeaderSignature.TryParseKey(options.Key, out var problem) is null
            ? ValidateOptionsResult.Fail($"{options.KeyName}: the signing key is refused: {problem} (base64 of at least {BotHeaderSignature.MinimumKeyBytes} bytes, the gateway's LinkGateway:Signing:Key)")
            : ValidateOptionsResult.Success;
}
