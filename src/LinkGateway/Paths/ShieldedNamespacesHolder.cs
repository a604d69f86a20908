using Yarp.ReverseProxy.Configuration;

namespace LinkGateway.Paths;

/// <summary>
/// Holds the <see cref="ShieldedNamespaces"/> of the routes YARP applied, rebuilt once per applied change. A
/// namespace set spans every route, and YARP keeps the <see cref="RouteConfig"/> of an unchanged route across a
/// reload, so no single route's config can key it (as <c>RoutePolicies</c> keys a route's own policy); YARP's
/// config-change listener says exactly when a new set of routes took effect, and never for one it refused.
/// </summary>
internal sealed partial class ShieldedNamespacesHolder(ILogger<ShieldedNamespacesHolder> logger) : IConfigChangeListener
{
    private ShieldedNamespaces _current = ShieldedNamespaces.Empty;

    public ShieldedNamespaces Current => Volatile.Read(ref _current);

    public void ConfigurationApplied(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
        var routes = proxyConfigs.SelectMany(config => config.Routes ?? []).ToList();
        var compiled = ShieldedNamespaces.Compile(routes, proxyConfigs.SelectMany(config => config.Clusters ?? []));
        foreach (var route in routes)
        {
            if (LinkGateway.Contracts.RoutePolicy.Parse(route.Metadata, out _) is { IsShielded: true } && compiled.All.All(n => n.RouteId != route.RouteId))
            {
                Log.NoNamespace(logger, route.RouteId, route.Match.Path);
            }
        }

        Volatile.Write(ref _current, compiled);
        Log.Applied(logger, string.Join(", ", compiled.All.Select(n => $"{n.Prefix} ({n.RouteId})")));
    }

    public void ConfigurationApplyingFailed(IReadOnlyList<IProxyConfig> proxyConfigs, Exception exception)
    {
    }

    public void ConfigurationLoaded(IReadOnlyList<IProxyConfig> proxyConfigs)
    {
    }

    public void ConfigurationLoadingFailed(IProxyConfigProvider configProvider, Exception exception)
    {
    }

    private static partial class Log
    {
        [LoggerMessage(2, LogLevel.Information, "Shielded path namespaces: {Namespaces}")]
        public static partial void Applied(ILogger logger, string namespaces);

        [LoggerMessage(1, LogLevel.Warning, "Route {RouteId} is shielded but its path {Path} starts with a parameter: other spellings of its links are not recognised as shielded")]
        public static partial void NoNamespace(ILogger logger, string routeId, string? path);
    }
}
