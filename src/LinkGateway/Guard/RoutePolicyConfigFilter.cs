using Yarp.ReverseProxy.Configuration;

namespace LinkGateway.Guard;

/// <summary>
/// Refuses a YARP route whose guard Metadata is not valid, so a bad reload of the routes is rejected as
/// a whole and the last good routes stay (an unsubscribe route must never silently become a plain one).
/// </summary>
internal sealed class RoutePolicyConfigFilter : IProxyConfigFilter
{
    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel) => ValueTask.FromResult(cluster);

    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        if (RoutePolicy.Parse(route.Metadata, out var problem) is null)
        {
            throw new InvalidOperationException($"ReverseProxy:Routes:{route.RouteId}:Metadata:{problem}");
        }

        return ValueTask.FromResult(route);
    }
}
