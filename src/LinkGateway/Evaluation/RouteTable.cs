using LinkGateway.Contracts;
using LinkGateway.Paths;
using Microsoft.AspNetCore.Routing.Template;

namespace LinkGateway.Evaluation;

/// <summary>
/// The configured YARP routes matched offline: path templates with ASP.NET's template matcher, most
/// literal segments first and catch-alls last, as endpoint routing orders them.
/// </summary>
public sealed class RouteTable
{
    private readonly (TemplateMatcher Matcher, RoutePolicy Policy)[] _routes;
    private readonly ShieldedNamespaces _namespaces;

    public RouteTable(IConfiguration configuration)
    {
        var routes = configuration.GetSection("ReverseProxy:Routes").GetChildren().ToList();
        _namespaces = ShieldedNamespaces.Compile(routes.Select(route =>
            (route.Key, route["Match:Path"], (IReadOnlyList<string>?)route.GetSection("Match:Hosts").Get<string[]>(), RoutePolicy.Parse(route, out _), route["ClusterId"])));
        _routes = routes
            .Select(route => (Template: route["Match:Path"], Policy: RoutePolicy.Parse(route, out _) ?? RoutePolicy.Plain))
            .Where(r => r.Template is not null)
            .Select(r => (Parsed: TemplateParser.Parse(r.Template!.TrimStart('/')), r.Policy))
            .OrderBy(r => r.Parsed.Segments.Any(s => s.Parts.Any(p => p.IsCatchAll)))
            .ThenByDescending(r => r.Parsed.Segments.Count(s => s.IsSimple && s.Parts[0].IsLiteral))
            .Select(r => (new TemplateMatcher(r.Parsed, new RouteValueDictionary()), r.Policy))
            .ToArray();
    }

    /// <summary>
    /// The policy that guards the path and the route's values; null when no route matches (the gateway would answer
    /// 404) or the path holds a control character (400). A path that could reach a shielded route is guarded as that
    /// route, as the gateway does (<see cref="ShieldedNamespaces"/>); access logs name no host, so every namespace counts.
    /// </summary>
    public (RoutePolicy Policy, RouteValueDictionary Values)? Match(string path)
    {
        // An access log holds the path as sent; the gateway reads it as Kestrel hands it over, decoded once.
        if (LenientPath.ReadRequestPath(Uri.UnescapeDataString(path)) is not { } readings)
        {
            return null;
        }

        foreach (var (matcher, policy) in _routes)
        {
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values))
            {
                return (_namespaces.StricterThan(policy, host: null, readings)?.Policy ?? policy, values);
            }
        }

        return null;
    }
}
