namespace LinkGateway.Verification;

public sealed class BotHeaderVerificationOptions
{
    /// <summary>The gateway's <c>LinkGateway:Signing:Key</c>: base64 of at least 32 bytes. Required; no default.</summary>
    public string? Key { get; set; }

    /// <summary>
    /// The origin's own name for the setting <see cref="Key"/> is read from (e.g. <c>Origin:SigningKey</c>), so that a refused
    /// key stops start-up with a message naming what to fix. Default: <c>BotHeaderVerificationOptions.Key</c>.
    /// </summary>
    public string KeyName { get; set; } = nameof(BotHeaderVerificationOptions) + "." + nameof(Key);
}
