using Yarp.ReverseProxy.Configuration;

namespace LinkGateway.Hosting;

/// <summary>
/// Applies <see cref="ProxyConfigRules"/> to every route and cluster YARP loads, at start-up and on each reload, and
/// refuses the routes of a reload whose other settings are refused (<see cref="GuardReloader.Candidate"/>). A throw
/// rejects the whole change and YARP keeps the last good routes and clusters: an unsubscribe route must never silently
/// become a plain one, nor a route lose its cluster, nor half a change apply.
/// </summary>
internal sealed class ProxyConfigFilter(GuardReloader reloader) : IProxyConfigFilter
{
    /// <summary>
    /// A cluster of the gateway's own, with no destination, that no route names: YARP passes every cluster of every change
    /// through this filter, so a change with no route and no cluster at all (a file emptied, its ReverseProxy section
    /// misspelt) meets the whole configuration's check here, where no route or cluster of its own would bring it. Without it
    /// YARP applied such a change and every link answered 404.
    /// </summary>
    public static readonly ClusterConfig WholeChange = new() { ClusterId = "linkgateway:whole-change" };

    public ValueTask<ClusterConfig> ConfigureClusterAsync(ClusterConfig cluster, CancellationToken cancel)
    {
        if (cluster.ClusterId == WholeChange.ClusterId)
        {
            return reloader.Candidate().Problems is { Count: > 0 } refused
                ? throw new Refusal(string.Join(Environment.NewLine, refused), onlyCluster: false)
                : ValueTask.FromResult(cluster);
        }

        var errors = new List<string>();
        ProxyConfigRules.CheckCluster(cluster.ClusterId, cluster.Destinations?.Select(d => (d.Key, (string?)d.Value.Address)) ?? [], errors);
        if (cluster.HttpRequest?.ActivityTimeout is { } timeout)
        {
            ProxyConfigRules.CheckActivityTimeout(cluster.ClusterId, timeout, errors);
        }

        return errors.Count > 0 ? throw new InvalidOperationException(string.Join(Environment.NewLine, errors)) : ValueTask.FromResult(cluster);
    }

    // YARP passes the route's cluster, or null when no cluster has its ClusterId.
    public ValueTask<RouteConfig> ConfigureRouteAsync(RouteConfig route, ClusterConfig? cluster, CancellationToken cancel)
    {
        if (reloader.Candidate().Problems is { Count: > 0 } problems)
        {
            throw new Refusal(string.Join(Environment.NewLine, problems), onlyCluster: false);
        }

        var errors = new List<string>();
        LinkGateway.Contracts.RoutePolicy.Parse(route.Metadata, out var metadataProblem);
        ProxyConfigRules.CheckRoute(route.RouteId, route.ClusterId, cluster is not null, knownClusters: null, metadataProblem, errors);
        return errors.Count > 0 ? throw new Refusal(string.Join(Environment.NewLine, errors), onlyCluster: metadataProblem is null) : ValueTask.FromResult(route);
    }

    /// <summary>What this filter refused; <see cref="OnlyCluster"/> when the route's one problem is its missing cluster.</summary>
    internal sealed class Refusal(string message, bool onlyCluster) : InvalidOperationException(message)
    {
        /// <summary>Also the case when YARP itself refused the cluster (a bad LoadBalancingPolicy): then the cluster's error is the one to read.</summary>
        public bool OnlyCluster { get; } = onlyCluster;
    }
}
