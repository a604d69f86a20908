namespace LinkGateway.Signing;

/// <summary>The headers of the contract to the origin (docs/reference/header-contract.md): the gateway writes them, verifiers read them.</summary>
public static class BotHeaderNames
{
    public const string Prefix = "X-Bot-";
    public const string Score = "X-Bot-Score";
    public const string Verdict = "X-Bot-Verdict";
    public const string Reasons = "X-Bot-Reasons";
    public const string Timestamp = "X-Bot-Timestamp";
    public const string Signature = "X-Bot-Signature";
    public const string Degraded = "X-Bot-Degraded";
}
