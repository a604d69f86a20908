using LinkGateway.Contracts;
using LinkGateway.Hosts;
using Yarp.ReverseProxy.Configuration;

namespace LinkGateway.Paths;

/// <summary>
/// Where a shielded route (unsubscribe, confirm) lives: the literal start of its path template, read leniently,
/// and its hosts. Any path whose lenient reading falls inside could reach that route's origin endpoint on some origin.
/// </summary>
/// <param name="RouteId">The shielded route.</param>
/// <param name="Prefix">The literal path prefix ("/u" for "/u/{messageId}/{recipientId}"), whole segments only.</param>
/// <param name="Hosts">The route's Match.Hosts as origins read them (<see cref="OriginHost"/>; "*.example.com" allowed); empty for any host.</param>
/// <param name="Policy">The route's policy, which guards every path in the namespace.</param>
/// <param name="Clusters">
/// The clusters that reach the route's origin: its own, and every cluster with one of its destinations (the origin whose
/// endpoint the namespace protects).
/// </param>
public sealed record ShieldedNamespace(string RouteId, string Prefix, IReadOnlyList<string> Hosts, RoutePolicy Policy, IReadOnlySet<string> Clusters)
{
    /// <summary>
    /// The lenient <paramref name="reading"/> of a path on <paramref name="host"/> (as sent, port and all; null or empty:
    /// unknown, any host), matched by YARP to a route forwarding to <paramref name="clusterId"/>, could reach this
    /// namespace's endpoint: the path lies in it (case-insensitive), and the host is one of the route's, or the request
    /// goes to the route's origin anyway (through any cluster that has it as a destination). YARP sends an origin its own
    /// Host, so the origin cannot tell "Host: other.example" from the shielded host, and unsubscribes for either.
    /// </summary>
    public bool Contains(string? host, string reading, string? clusterId = null) =>
        reading.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
        && (reading.Length == Prefix.Length || reading[Prefix.Length] == '/')
        && (Hosts.Count == 0
            || (clusterId is not null && Clusters.Contains(clusterId))
            || OriginHost(host) is not { } name
            || Hosts.Any(pattern => HostMatches(pattern, name)));

    /// <summary>
    /// A host as an origin reads it, and DNS resolves it: any case, trailing dots dropped ("links.example.com." and
    /// "links.example.com.." are links.example.com; YARP's host match takes them for other hosts, and its catch-all would
    /// forward them), the port apart. Null when nothing is left: a request with no host may reach any host's origin.
    /// </summary>
    public static string? OriginHost(string? host)
    {
        var name = HostName.Of(host);
        return name.IsEmpty ? null : name.ToString().ToLowerInvariant();
    }

    /// <summary>
    /// Guarding the request as this namespace's route is stricter than the route YARP matched: that route is not
    /// shielded (a catch-all, even a click route), or it shields only suspect GETs where this one shields every GET.
    /// Honeypots never reach the origin, so they stay as they are.
    /// </summary>
    public bool IsStricterThan(RoutePolicy matched) =>
        matched.Kind != Links.LinkKind.Honeypot
        && (!matched.IsShielded || (matched.Shield == ShieldMode.Auto && Policy.Shield == ShieldMode.Always));

    private static bool HostMatches(string pattern, string host) =>
        pattern.StartsWith("*.", StringComparison.Ordinal)
            ? host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase)
            : host.Equals(pattern, StringComparison.OrdinalIgnoreCase);
}

/// <summary>
/// The namespaces of every shielded route in one routing configuration, compiled once when YARP applies it
/// (<see cref="ShieldedNamespacesHolder"/>). Immutable.
/// </summary>
public sealed class ShieldedNamespaces
{
    private readonly ShieldedNamespace[] _namespaces;

    private ShieldedNamespaces(ShieldedNamespace[] namespaces) => _namespaces = namespaces;

    public static ShieldedNamespaces Empty { get; } = new([]);

    public IReadOnlyList<ShieldedNamespace> All => _namespaces;

    /// <summary>Compiles the namespaces of the shielded routes among <paramref name="routes"/>, forwarding to <paramref name="clusters"/>.</summary>
    public static ShieldedNamespaces Compile(IEnumerable<RouteConfig> routes, IEnumerable<ClusterConfig> clusters) =>
        Compile(routes.Select(r => (r.RouteId, r.Match.Path, r.Match.Hosts, RoutePolicy.Parse(r.Metadata, out _), r.ClusterId)),
            clusters.Select(c => (c.ClusterId, (IEnumerable<string?>)(c.Destinations?.Values.Select(d => d.Address) ?? []))));

    /// <summary>
    /// Compiles from route id, path template, hosts, policy (null when the metadata is not valid) and cluster, and each
    /// cluster's destination addresses (none known: a cluster reaches only itself).
    /// </summary>
    public static ShieldedNamespaces Compile(IEnumerable<(string RouteId, string? Path, IReadOnlyList<string>? Hosts, RoutePolicy? Policy, string? ClusterId)> routes,
        IEnumerable<(string ClusterId, IEnumerable<string?> Destinations)>? clusters = null)
    {
        var origins = (clusters ?? []).ToDictionary(c => c.ClusterId, c => c.Destinations.Select(OriginOf).OfType<string>().ToHashSet(StringComparer.Ordinal),
            StringComparer.OrdinalIgnoreCase);
        var namespaces = new List<ShieldedNamespace>();
        foreach (var (routeId, path, hosts, policy, clusterId) in routes)
        {
            if (policy is { IsShielded: true } && LiteralPrefix(path) is { } prefix)
            {
                namespaces.Add(new ShieldedNamespace(routeId, prefix, [.. (hosts ?? []).Select(ShieldedNamespace.OriginHost).OfType<string>()], policy,
                    Reaching(clusterId, origins)));
            }
        }

        // The most specific first, as routing prefers it: the longest prefix, then a route bound to hosts.
        return new ShieldedNamespaces([.. namespaces.OrderByDescending(n => n.Prefix.Length).ThenByDescending(n => n.Hosts.Count > 0)]);
    }

    /// <summary>
    /// The shielded namespace that a reading of the path reaches and that guards more strictly than
    /// <paramref name="policy"/>, the route the path matched; null when none.
    /// </summary>
    public ShieldedNamespace? StricterThan(RoutePolicy policy, string? host, PathReadings readings, string? clusterId = null)
    {
        if (readings.Others is null) // nearly every request: one reading, looked up without enumerating anything
        {
            return Find(host, readings.Reading, clusterId) is { } shielded && shielded.IsStricterThan(policy) ? shielded : null;
        }

        return readings.All.Select(reading => Find(host, reading, clusterId)).FirstOrDefault(shielded => shielded is not null && shielded.IsStricterThan(policy));
    }

    /// <summary>
    /// The most specific namespace the lenient <paramref name="reading"/> of a path on <paramref name="host"/> (as sent;
    /// null: unknown), matched to a route forwarding to <paramref name="clusterId"/>, falls into; null for none.
    /// </summary>
    public ShieldedNamespace? Find(string? host, string reading, string? clusterId = null)
    {
        foreach (var candidate in _namespaces)
        {
            if (candidate.Contains(host, reading, clusterId))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The route's own cluster and every cluster sharing a destination with it.</summary>
    private static HashSet<string> Reaching(string? clusterId, Dictionary<string, HashSet<string>> origins)
    {
        var reaching = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        if (clusterId is null)
        {
            return reaching;
        }

        reaching.Add(clusterId);
        if (origins.TryGetValue(clusterId, out var own))
        {
            reaching.UnionWith(origins.Where(other => other.Value.Overlaps(own)).Select(other => other.Key));
        }

        return reaching;
    }

    /// <summary>A destination address as the origin it names: scheme, host and port, any case, path apart; null when it is not a URL.</summary>
    private static string? OriginOf(string? address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri) ? $"{uri.Scheme}://{uri.IdnHost.TrimEnd('.')}:{uri.Port}".ToLowerInvariant() : null;

    /// <summary>
    /// The literal start of a route template, up to its first parameter and cut back to whole segments, read
    /// leniently: "/u/{messageId}" → "/u", "/unsubscribe/v2-{id}" → "/unsubscribe". Null when no non-empty
    /// segment is left (a catch-all, or a template that starts with a parameter): such a route has no namespace.
    /// </summary>
    public static string? LiteralPrefix(string? template)
    {
        if (string.IsNullOrEmpty(template))
        {
            return null;
        }

        var parameter = template.IndexOf('{', StringComparison.Ordinal);
        var literal = parameter < 0 ? template : template[..(template.LastIndexOf('/', parameter) + 1)];
        return LenientPath.TryRead("/" + literal, out var reading) && reading != "/" ? reading : null;
    }
}
