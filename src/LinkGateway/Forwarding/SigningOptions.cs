using LinkGateway.Signing;

namespace LinkGateway.Forwarding;

public sealed class SigningOptions
{
    /// <summary>Base64 of at least 32 random bytes, shared with the origin. Required outside --demo.</summary>
    public string? Key { get; set; }

    /// <summary>The key's bytes, or null with the problem added to <paramref name="errors"/>.</summary>
    public byte[]? ReadKey(List<string> errors)
    {
        var key = BotHeaderSignature.TryParseKey(Key, out var problem);
        if (key is null)
        {
            errors.Add($"LinkGateway:Signing:Key: {problem} (base64 of at least {BotHeaderSignature.MinimumKeyBytes} random bytes, shared with the origin; e.g. `openssl rand -base64 32`)");
        }

        return key;
    }
}
