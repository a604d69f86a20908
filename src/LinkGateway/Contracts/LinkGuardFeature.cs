using LinkGateway.Links;
using LinkGateway.Scoring;

namespace LinkGateway.Contracts;

/// <summary>What the guard decided for this request; read by the header transform and the request log.</summary>
public sealed class LinkGuardFeature(LinkKind kind, Verdict verdict, string requestId, GuardAction enforcedAction)
{
    /// <summary>What enforce mode does with the request (in observe mode: what it would have done).</summary>
    public GuardAction EnforcedAction { get; } = enforcedAction;

    /// <summary>The id the origin receives in X-Bot-Request-Id and fold-back events name.</summary>
    public string RequestId { get; } = requestId;

    public LinkKind Kind { get; } = kind;

    public Verdict Verdict { get; } = verdict;
}
