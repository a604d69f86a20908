namespace LinkGateway.Forwarding;

public sealed class SigningOptions
{
    /// <summary>Base64 of at least 32 random bytes, shared with the origin. Required outside --demo.</summary>
    public string? Key { get; set; }
}
