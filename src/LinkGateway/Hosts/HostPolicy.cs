using System.Runtime.CompilerServices;
using LinkGateway.Contracts;
using LinkGateway.Scoring;

namespace LinkGateway.Hosts;

/// <summary>
/// The compiled policy of the hosts one LinkGateway:Hosts entry matches, or of every other host (<see cref="HostPolicies.Default"/>).
/// Immutable, built once per configuration: the request path only reads it.
/// </summary>
public sealed class HostPolicy
{
    // One "always" variant per route policy, so raising a route's shield for a host allocates nothing per request.
    private static readonly ConditionalWeakTable<RoutePolicy, RoutePolicy> _alwaysShielded = [];

    internal HostPolicy(string? pattern, ShieldMode? shield, VerdictScorer scorer, string? brand, bool forwardHost)
    {
        Pattern = pattern;
        Shield = shield;
        Scorer = scorer;
        Brand = brand;
        ForwardHost = forwardHost;
    }

    /// <summary>The LinkGateway:Hosts key that matched ("links.example.com", "*.example.com", "*"); null when none did.</summary>
    public string? Pattern { get; }

    /// <summary>The shield for unsubscribe and confirm routes whose Metadata names none; null leaves the route's.</summary>
    public ShieldMode? Shield { get; }

    /// <summary>The global scorer, or one built with this host's weight overrides.</summary>
    public VerdictScorer Scorer { get; }

    /// <summary>The brand the interstitial shows on these hosts, when the route names none (<see cref="HostBrand"/>).</summary>
    public string? Brand { get; }

    /// <summary>The origin receives the client's Host (and X-Forwarded-Host as always), not its destination's.</summary>
    public bool ForwardHost { get; }

    /// <summary>The route's policy as it guards a request on this host: the route's own Shield wins, then the host's.</summary>
    public RoutePolicy Guarding(RoutePolicy route) =>
        Shield == ShieldMode.Always && route is { IsShielded: true, ShieldNamed: false, Shield: ShieldMode.Auto }
            ? _alwaysShielded.GetValue(route, static r => r with { Shield = ShieldMode.Always })
            : route;
}
