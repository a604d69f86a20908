using LinkGateway.Contracts;
using LinkGateway.Links;


namespace LinkGateway.Hosting;

/// <summary>
/// What the gateway requires of YARP's routes and clusters beyond YARP's own checks, in one place for start-up
/// (read from configuration, with every error at once) and for hot reload (<see cref="ProxyConfigFilter"/>, on
/// YARP's model): the route's guard Metadata, a ClusterId that names a cluster, and clusters whose destinations
/// are absolute http(s) URLs. Without these YARP starts and answers 503 to every request of the route.
/// </summary>
public static class ProxyConfigRules
{
    /// <summary>YARP's section of the configuration.</summary>
    public const string SectionName = "ReverseProxy";
    public const string RoutesKey = SectionName + ":Routes";
    public const string ClustersKey = SectionName + ":Clusters";

    /// <summary>Every route and cluster of the configuration.</summary>
    public static void Check(IConfiguration configuration, List<string> errors)
    {
        var clusters = configuration.GetSection(ClustersKey).GetChildren().ToList();
        foreach (var cluster in clusters)
        {
            CheckCluster(cluster.Key, cluster.GetSection("Destinations").GetChildren().Select(d => (d.Key, d["Address"])), errors);
            if (cluster[ActivityTimeoutKey] is { } timeout)
            {
                // Read as YARP reads it (the constant format, "c"; an empty value too), so a value it cannot read is named here,
                // not as "Unable to load or apply the proxy configuration", and one it reads is judged as it will be used.
                if (TimeSpan.TryParseExact(timeout, "c", System.Globalization.CultureInfo.InvariantCulture, out var parsed))
                {
                    CheckActivityTimeout(cluster.Key, parsed, errors);
                }
                else
                {
                    errors.Add($"{ClustersKey}:{cluster.Key}:{ActivityTimeoutKey}: \"{timeout}\" is not a duration as YARP reads it ([d.]hh:mm:ss, e.g. 00:00:30)");
                }
            }
        }

        var clusterIds = clusters.Select(c => c.Key).ToList();
        var routes = configuration.GetSection(RoutesKey).GetChildren().ToList();
        var linkRoutes = 0;
        foreach (var route in routes)
        {
            var clusterId = route["ClusterId"];
            var policy = RoutePolicy.Parse(route, out var metadataProblem);
            CheckRoute(route.Key, clusterId, clusterIds.Contains(clusterId ?? "", StringComparer.OrdinalIgnoreCase), clusterIds, metadataProblem, errors);
            linkRoutes += policy is { Kind: not LinkKind.None } ? 1 : 0;
        }

        if (linkRoutes == 0)
        {
            errors.Add(NoLinkRoutes(routes.Count));
        }
    }

    /// <summary>
    /// A configuration whose routes name no link (none at all: a section misspelt, a file cut short) started, or reloaded,
    /// and then answered every click and unsubscribe 404, or forwarded them unjudged: a whole outage from one mistake.
    /// </summary>
    private static string NoLinkRoutes(int routes) =>
        $"{RoutesKey}: {(routes == 0 ? "none" : "no route names a LinkKind in its Metadata")}: every link would get "
        + $"{(routes == 0 ? "404" : "no verdict")}; give each link endpoint a route with Metadata LinkKind ({LinkKinds.AcceptedNames})";

    /// <param name="knownClusters">The cluster ids, to suggest one; null when not known (a reload's route filter).</param>
    /// <param name="metadataProblem">What <see cref="RoutePolicy.Parse(IReadOnlyDictionary{string, string}?, out string?)"/> refused, if anything.</param>
    public static void CheckRoute(string routeId, string? clusterId, bool clusterExists, IReadOnlyCollection<string>? knownClusters, string? metadataProblem, List<string> errors)
    {
        var route = $"{RoutesKey}:{routeId}";
        if (metadataProblem is not null)
        {
            errors.Add($"{route}:Metadata:{metadataProblem}");
        }

        var hint = knownClusters is { Count: > 0 } ? $" ({ConfigNames.Hint(clusterId ?? "", knownClusters)})" : "";
        if (string.IsNullOrEmpty(clusterId))
        {
            errors.Add($"{route}:ClusterId: missing: name the cluster under {ClustersKey} that serves this route{hint}");
        }
        else if (!clusterExists)
        {
            errors.Add($"{route}:ClusterId: \"{clusterId}\" names no cluster in {ClustersKey}{hint}");
        }
    }

    public const string ActivityTimeoutKey = "HttpRequest:ActivityTimeout";

    /// <summary>The shortest and longest wait for the origin that a cluster may set.</summary>
    public static readonly (TimeSpan Least, TimeSpan Most) ActivityTimeouts = (TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(10));

    /// <summary>
    /// How long YARP waits for the origin. Zero (or a millisecond) failed every click and unsubscribe with 504 at once, a
    /// negative value with 500, while /readyz said healthy; past ten minutes nobody waits for a link.
    /// </summary>
    public static void CheckActivityTimeout(string clusterId, TimeSpan timeout, List<string> errors)
    {
        if (timeout < ActivityTimeouts.Least || timeout > ActivityTimeouts.Most)
        {
            errors.Add($"{ClustersKey}:{clusterId}:{ActivityTimeoutKey}: {timeout:c} is outside {ActivityTimeouts.Least:c}..{ActivityTimeouts.Most:c}");
        }
    }

    public static void CheckCluster(string clusterId, IEnumerable<(string Name, string? Address)> destinations, List<string> errors)
    {
        var cluster = $"{ClustersKey}:{clusterId}:Destinations";
        var any = false;
        foreach (var (name, address) in destinations)
        {
            any = true;
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{cluster}:{name}:Address: \"{address}\" is not an absolute http:// or https:// URL (e.g. http://origin:8080)");
            }
        }

        if (!any)
        {
            errors.Add($"{cluster}: none (a cluster needs at least one destination with an Address, e.g. Destinations:primary:Address = http://origin:8080)");
        }
    }

    /// <summary>
    /// YARP's own refusals at start-up ("Invalid path '/c/{x' for route 'click'."), one line each with its cause.
    /// A cluster YARP refused leaves its routes without one, which the route filter then reports for each route:
    /// those lines are left out while the cluster's own error is there to read.
    /// </summary>
    public static IReadOnlyList<string> Describe(IReadOnlyCollection<Exception> yarpErrors)
    {
        var clusterErrors = yarpErrors.Any(e => e.InnerException is not ProxyConfigFilter.Refusal);
        return
        [
            .. yarpErrors
                .Where(e => !(clusterErrors && e.InnerException is ProxyConfigFilter.Refusal { OnlyCluster: true }))
                .SelectMany(e => e.InnerException is ProxyConfigFilter.Refusal own ? own.Message.Split(Environment.NewLine) : [$"ReverseProxy: {e.Message}{Cause(e)}"])
                .Distinct(StringComparer.Ordinal),
        ];
    }

    private static string Cause(Exception error)
    {
        var cause = error;
        while (cause.InnerException is not null)
        {
            cause = cause.InnerException;
        }

        return cause == error ? "" : $" ({cause.Message})";
    }
}
