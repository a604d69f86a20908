using System.Runtime.CompilerServices;
using LinkGateway.Contracts;
using Yarp.ReverseProxy.Configuration;

namespace LinkGateway.Paths;

/// <summary>
/// Parses route Metadata once per route config: YARP hands out a new <see cref="RouteConfig"/> on every
/// config change, so a weak table keyed by it is always in step and never holds dead routes.
/// </summary>
internal sealed class RoutePolicies
{
    private readonly ConditionalWeakTable<RouteConfig, RoutePolicy> _policies = [];

    // Start-up validation and the reload filter refuse bad metadata, so every route YARP applies parses; Plain is a last resort.
    public RoutePolicy For(RouteConfig route) => _policies.GetValue(route, static r => RoutePolicy.Parse(r.Metadata, out _) ?? RoutePolicy.Plain);

    /// <summary>The policy that guards this request: its route's, or a shielded route's its path could reach (<see cref="ShieldedPathFeature"/>).</summary>
    public RoutePolicy For(HttpContext context) =>
        context.Features.Get<ShieldedPathFeature>()?.Namespace.Policy ?? For(context.GetReverseProxyFeature().Route.Config);
}
