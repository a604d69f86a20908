namespace LinkGateway.Forwarding;

/// <summary>The header contract to the origin (README, "Header contract").</summary>
public static class BotHeaders
{
    public const string Prefix = "X-Bot-";
    public const string Score = "X-Bot-Score";
    public const string Verdict = "X-Bot-Verdict";
    public const string Reasons = "X-Bot-Reasons";
    public const string Timestamp = "X-Bot-Timestamp";
    public const string Signature = "X-Bot-Signature";
    public const string Degraded = "X-Bot-Degraded";
    public const string RequestId = "X-Bot-Request-Id";

    public static bool IsBotHeader(string name) => name.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);
}
