using LinkGateway.Signals;

namespace LinkGateway.Scoring;

/// <summary>The three verdicts of the header contract, in the order of the score.</summary>
public enum VerdictKind : byte
{
    Human,
    Suspect,
    Bot,
}

/// <summary>
/// What the gateway concluded about one request: a score (0 = certainly a person, 100 = certainly
/// automated), its verdict, and the reason codes that produced it, most important first.
/// </summary>
public sealed record Verdict(int Score, VerdictKind Kind, SignalSet Signals, string Reasons, string? Degraded)
{
    public string KindName => Kind.ToName();

    public bool IsDegraded => Degraded is not null;
}

public static class VerdictKinds
{
    public static string ToName(this VerdictKind kind) => kind switch
    {
        VerdictKind.Bot => "bot",
        VerdictKind.Suspect => "suspect",
        _ => "human",
    };
}
