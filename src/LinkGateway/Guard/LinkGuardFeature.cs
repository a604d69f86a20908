using LinkGateway.Links;
using LinkGateway.Scoring;

namespace LinkGateway.Guard;

/// <summary>What the guard decided for this request; read by the header transform and the request log.</summary>
public sealed class LinkGuardFeature(LinkKind kind, Verdict verdict)
{
    public LinkKind Kind { get; } = kind;

    public Verdict Verdict { get; } = verdict;
}
