namespace LinkGateway.Verification;

public sealed class BotHeaderVerificationOptions
{
    /// <summary>The gateway's <c>LinkGateway:Signing:Key</c>: base64 of at least 32 bytes. Required; no default.</summary>
    public string? Key { get; set; }
}
