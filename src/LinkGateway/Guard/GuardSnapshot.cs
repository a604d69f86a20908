using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;

namespace LinkGateway.Guard;

/// <summary>
/// Everything the guard needs to judge a request, compiled once from configuration and signature
/// files. Immutable: a reload builds a new snapshot and swaps the reference in <see cref="GuardSnapshotHolder"/>.
/// </summary>
public sealed class GuardSnapshot(StatelessDetector detector, VerdictScorer scorer, Identities identities, TimeSpan storeBudget, TimeSpan storeWait, TimeSpan tagTtl,
    BehaviourOptions behaviour, GatewayMode mode)
{
    public GatewayMode Mode { get; } = mode;

    public StatelessDetector Detector { get; } = detector;

    public VerdictScorer Scorer { get; } = scorer;

    /// <summary>The link layouts: LinkGateway:Identity, and LinkGateway:Identities by name.</summary>
    public Identities Identities { get; } = identities;

    /// <summary>How long a round trip may take before the request asks the store probe to look (LinkGateway:Redis:Budget).</summary>
    public TimeSpan StoreBudget { get; } = storeBudget;

    /// <summary>The most a request waits for its store round trip while the store answers (LinkGateway:Redis:MaxWait).</summary>
    public TimeSpan StoreWait { get; } = storeWait;

    public TimeSpan TagTtl { get; } = tagTtl;

    public BehaviourOptions Behaviour { get; } = behaviour;
}

/// <summary>The one place that holds the current <see cref="GuardSnapshot"/>.</summary>
public sealed class GuardSnapshotHolder(GuardSnapshot initial)
{
    private GuardSnapshot _current = initial;

    public GuardSnapshot Current => Volatile.Read(ref _current);

    public void Swap(GuardSnapshot next) => Volatile.Write(ref _current, next);
}

/// <summary>The compiled link layouts: the default (LinkGateway:Identity) and the named ones (LinkGateway:Identities).</summary>
public sealed class Identities(IdentityProfile @default, IReadOnlyDictionary<string, IdentityProfile> named)
{
    public IdentityProfile Default { get; } = @default;

    /// <summary>The layout of a route: the one its Metadata "Identity" names, else the default.</summary>
    public IdentityProfile For(RoutePolicy policy) =>
        policy.Identity is { } name && named.TryGetValue(name, out var profile) ? profile : Default;
}
