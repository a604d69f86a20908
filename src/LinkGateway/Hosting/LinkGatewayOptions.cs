using LinkGateway.Admin;
using LinkGateway.Contracts;
using LinkGateway.FoldBackHooks;
using LinkGateway.Forwarding;
using LinkGateway.Guard;
using LinkGateway.Hosts;
using LinkGateway.Interstitial;
using LinkGateway.Memory;
using LinkGateway.ProxyTrust;
using LinkGateway.RateLimiting;
using LinkGateway.Signals;
using LinkGateway.Tls;

namespace LinkGateway.Hosting;

/// <summary>The "LinkGateway" configuration section. Every default is the one docs/reference/configuration.md documents.</summary>
public sealed class LinkGatewayOptions
{
    public const string SectionName = "LinkGateway";

    /// <summary>enforce (default) or observe: compute and forward everything, act on nothing (docs/operations/tuning.md, "Shadow mode").</summary>
    public GatewayMode Mode { get; set; } = GatewayMode.Enforce;

    public RedisOptions Redis { get; set; } = new();

    public SigningOptions Signing { get; set; } = new();

    public SignaturesOptions Signatures { get; set; } = new();

    public ThresholdOptions Thresholds { get; set; } = new();

    /// <summary>Per reason code, the weight in 0..1 (see docs/reference/signals.md). Unlisted codes keep their default.</summary>
    public Dictionary<string, double> Weights { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The link layout of every route (docs/reference/configuration.md, "Link identity").</summary>
    public IdentityOptions Identity { get; set; } = new();

    /// <summary>Named link layouts, for routes whose Metadata "Identity" names one.</summary>
    public Dictionary<string, IdentityOptions> Identities { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Knobs of the stateless signals (timing.fast).</summary>
    public TimingOptions Timing { get; set; } = new();

    public MemoryOptions Memory { get; set; } = new();

    public RateLimitOptions RateLimit { get; set; } = new();

    public ShieldOptions Shield { get; set; } = new();

    /// <summary>The interstitial's brands by name (docs/concepts/shield.md, "Brands"); none by default. Read at start-up only.</summary>
    public Dictionary<string, BrandOptions> Brands { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Windows and thresholds of the behavioural signals (docs/concepts/scoring.md).</summary>
    public BehaviourOptions Behaviour { get; set; } = new();

    public ProxyTrustOptions ForwardedHeaders { get; set; } = new();

    public AdminOptions Admin { get; set; } = new();

    /// <summary>Fold-back besides the stream: the webhook (docs/concepts/memory.md, "Fold-back webhooks").</summary>
    public FoldBackOptions FoldBack { get; set; } = new();

    public GatewayTlsOptions Tls { get; set; } = new();

    /// <summary>Per tracking domain ("links.example.com", "*.example.com", "*"): shield, weights, brand, Host forwarding (docs/reference/configuration.md, "Hosts").</summary>
    public Dictionary<string, HostPolicyOptions> Hosts { get; set; } = new(StringComparer.OrdinalIgnoreCase);
}
