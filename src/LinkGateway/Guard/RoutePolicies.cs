using System.Runtime.CompilerServices;
using LinkGateway.Links;
using Yarp.ReverseProxy.Configuration;

namespace LinkGateway.Guard;

/// <summary>A route's guard settings, read from its Metadata.</summary>
public sealed record RoutePolicy(LinkKind Kind)
{
    public static RoutePolicy Plain { get; } = new(LinkKind.None);
}

/// <summary>
/// Parses route Metadata once per route config: YARP hands out a new <see cref="RouteConfig"/> on every
/// config change, so a weak table keyed by it is always in step and never holds dead routes.
/// </summary>
internal sealed class RoutePolicies
{
    private readonly ConditionalWeakTable<RouteConfig, RoutePolicy> _policies = [];

    public RoutePolicy For(RouteConfig route) => _policies.GetValue(route, static r =>
    {
        var name = r.Metadata?.GetValueOrDefault(LinkKinds.MetadataKey);
        // Start-up validation refuses unknown kinds; a later bad reload falls back to a plain route.
        return LinkKinds.TryParse(name, out var kind) ? new RoutePolicy(kind) : RoutePolicy.Plain;
    });
}
