namespace LinkGateway.Verification;

/// <summary>The outcome of <see cref="BotHeaderVerifier.Verify"/>, and the request feature that carries it.</summary>
public sealed class BotVerdict : IBotVerdictFeature
{
    public const string Unsigned = "unsigned";
    public const string Incomplete = "incomplete";
    public const string Malformed = "malformed";
    public const string Expired = "expired";
    public const string Future = "future";
    public const string Mismatch = "mismatch";

    private BotVerdict(bool verified, int? score, string? verdict, IReadOnlyList<string> reasons, bool degraded, long? timestamp, string? failure)
    {
        Verified = verified;
        Score = score;
        Verdict = verdict;
        Reasons = reasons;
        Degraded = degraded;
        Timestamp = timestamp;
        Failure = failure;
    }

    public bool Verified { get; }

    public int? Score { get; }

    public string? Verdict { get; }

    public IReadOnlyList<string> Reasons { get; }

    public bool Degraded { get; }

    /// <summary>Unix seconds when the gateway signed; null unless verified.</summary>
    public long? Timestamp { get; }

    public string? Failure { get; }

    internal static BotVerdict Trusted(int score, string verdict, string reasons, bool degraded, long timestamp) =>
        new(true, score, verdict, reasons.Length == 0 ? [] : reasons.Split(','), degraded, timestamp, null);

    internal static BotVerdict Unverified(string failure) => new(false, null, null, [], false, null, failure);
}
