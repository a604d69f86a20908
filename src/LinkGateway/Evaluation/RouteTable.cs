using LinkGateway.Guard;
using Microsoft.AspNetCore.Routing.Template;

namespace LinkGateway.Evaluation;

/// <summary>
/// The configured YARP routes matched offline: path templates with ASP.NET's template matcher, most
/// literal segments first and catch-alls last, as endpoint routing orders them.
/// </summary>
public sealed class RouteTable
{
    private readonly (TemplateMatcher Matcher, RoutePolicy Policy)[] _routes;

    public RouteTable(IConfiguration configuration)
    {
        _routes = configuration.GetSection("ReverseProxy:Routes").GetChildren()
            .Select(route => (Template: route["Match:Path"], Policy: RoutePolicy.Parse(route, out _) ?? RoutePolicy.Plain))
            .Where(r => r.Template is not null)
            .Select(r => (Parsed: TemplateParser.Parse(r.Template!.TrimStart('/')), r.Policy))
            .OrderBy(r => r.Parsed.Segments.Any(s => s.Parts.Any(p => p.IsCatchAll)))
            .ThenByDescending(r => r.Parsed.Segments.Count(s => s.IsSimple && s.Parts[0].IsLiteral))
            .Select(r => (new TemplateMatcher(r.Parsed, new RouteValueDictionary()), r.Policy))
            .ToArray();
    }

    /// <summary>The route's policy and values; null when no route matches (the gateway would answer 404).</summary>
    public (RoutePolicy Policy, RouteValueDictionary Values)? Match(string path)
    {
        foreach (var (matcher, policy) in _routes)
        {
            var values = new RouteValueDictionary();
            if (matcher.TryMatch(path, values))
            {
                return (policy, values);
            }
        }

        return null;
    }
}
