using System.Globalization;
using System.Security.Authentication;
using LinkGateway.Contracts;
using LinkGateway.Links;
using Yarp.ReverseProxy.Configuration;


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
            // One YARP reads is judged as it will be used (CheckYarpValues names one it cannot read).
            if (cluster[ActivityTimeoutKey] is { } timeout && YarpDuration(timeout, out var parsed))
            {
                CheckActivityTimeout(cluster.Key, parsed, errors);
            }
        }

        CheckYarpValues(configuration, errors);

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

    // The values YARP converts as it reads its section (Yarp.ReverseProxy 2.3's configuration provider), relative to a route
    // or a cluster ('*': any child, a list's index), each read as YARP reads it. A value YARP cannot convert stopped start-up
    // with "Unable to load or apply the proxy configuration." naming no key, and dropped a reload with only YARP's stack
    // trace to say so.
    private const string Duration = "a duration as YARP reads it ([d.]hh:mm:ss, e.g. 00:00:30)", Flag = "true or false", Whole = "a whole number";

    // YARP's readers, each once: ReadBool, ReadInt32, ReadTimeSpan.
    private static readonly Func<string, bool> _flag = v => bool.TryParse(v, out _),
        _whole = v => int.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _),
        _duration = v => YarpDuration(v, out _);

    private static readonly (string Key, string Form, Func<string, bool> Reads)[] _routeValues =
    [
        // YARP 2 takes a route's id from its name and refuses a RouteId key (the format of YARP 1).
        ("RouteId", "a key of its own (a route's id is its name under Routes; leave RouteId out)", v => v.Length == 0),
        ("Order", Whole, _whole),
        ("MaxRequestBodySize", Whole, v => long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)),
        ("Timeout", Duration, _duration),
        ("Match:Headers:*:Mode", OneOf<HeaderMatchMode>(), Named<HeaderMatchMode>),
        ("Match:Headers:*:IsCaseSensitive", Flag, _flag),
        ("Match:QueryParameters:*:Mode", OneOf<QueryParameterMatchMode>(), Named<QueryParameterMatchMode>),
        ("Match:QueryParameters:*:IsCaseSensitive", Flag, _flag),
    ];

    private static readonly (string Key, string Form, Func<string, bool> Reads)[] _clusterValues =
    [
        ("SessionAffinity:Enabled", Flag, _flag),
        ("SessionAffinity:Cookie:SameSite", OneOf<SameSiteMode>(), Named<SameSiteMode>),
        ("SessionAffinity:Cookie:HttpOnly", Flag, _flag),
        ("SessionAffinity:Cookie:MaxAge", Duration, _duration),
        ("SessionAffinity:Cookie:IsEssential", Flag, _flag),
        ("SessionAffinity:Cookie:SecurePolicy", OneOf<CookieSecurePolicy>(), Named<CookieSecurePolicy>),
        ("SessionAffinity:Cookie:Expiration", Duration, _duration),
        ("HealthCheck:Passive:Enabled", Flag, _flag),
        ("HealthCheck:Passive:ReactivationPeriod", Duration, _duration),
        ("HealthCheck:Active:Enabled", Flag, _flag),
        ("HealthCheck:Active:Interval", Duration, _duration),
        ("HealthCheck:Active:Timeout", Duration, _duration),
        ("HttpClient:SslProtocols:*", OneOf<SslProtocols>(), Named<SslProtocols>),
        ("HttpClient:DangerousAcceptAnyServerCertificate", Flag, _flag),
        ("HttpClient:MaxConnectionsPerServer", Whole, _whole),
        ("HttpClient:EnableMultipleHttp2Connections", Flag, _flag),
        ("HttpClient:WebProxy:Address", "an absolute URL", v => Uri.TryCreate(v, UriKind.Absolute, out _)),
        ("HttpClient:WebProxy:BypassOnLocal", Flag, _flag),
        ("HttpClient:WebProxy:UseDefaultCredentials", Flag, _flag),
        (ActivityTimeoutKey, Duration, _duration),
        ("HttpRequest:Version", "an HTTP version (1.1, 2 or 3)", v => v.Length == 0 || Version.TryParse(v.Contains('.', StringComparison.Ordinal) ? v : v + ".0", out _)),
        ("HttpRequest:VersionPolicy", OneOf<HttpVersionPolicy>(), Named<HttpVersionPolicy>),
        ("HttpRequest:AllowResponseBuffering", Flag, _flag),
    ];

    /// <summary>
    /// Every value of the routes and clusters that YARP converts as it reads them, named with its key when YARP could not
    /// read it. On a reload YARP drops such a change before any filter sees it (<see cref="GuardReloader"/> says it then).
    /// </summary>
    public static void CheckYarpValues(IConfiguration configuration, List<string> errors)
    {
        foreach (var (section, values) in new[] { (RoutesKey, _routeValues), (ClustersKey, _clusterValues) })
        {
            foreach (var item in configuration.GetSection(section).GetChildren())
            {
                foreach (var (key, form, reads) in values)
                {
                    foreach (var leaf in Leaves(item, key))
                    {
                        if (leaf.Value is { } value && !reads(value))
                        {
                            errors.Add($"{leaf.Path}: \"{value}\" is not {form}");
                        }
                    }
                }
            }
        }

        static IEnumerable<IConfigurationSection> Leaves(IConfigurationSection from, string key) =>
            key.Split(':').Aggregate((IEnumerable<IConfigurationSection>)[from],
                (sections, part) => part == "*" ? sections.SelectMany(s => s.GetChildren()) : sections.Select(s => s.GetSection(part)));
    }

    /// <summary>A duration as YARP reads one: the constant format ("c") only, so "24:00:00" and "0:00:00:30", which .NET's general parse reads, are not.</summary>
    private static bool YarpDuration(string value, out TimeSpan duration) =>
        TimeSpan.TryParseExact(value, "c", CultureInfo.InvariantCulture, out duration);

    // YARP reads enums by name, any case (Enum.Parse, ignoreCase).
    private static bool Named<T>(string value) where T : struct, Enum => Enum.TryParse<T>(value, ignoreCase: true, out _);

    private static string OneOf<T>() where T : struct, Enum => $"one of {string.Join(", ", Enum.GetNames<T>())}";

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
