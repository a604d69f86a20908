using LinkGateway.Contracts;


namespace LinkGateway.Paths;

/// <summary>What <see cref="ShieldedPathMiddleware"/> found: the request could reach a shielded route's endpoint, and is guarded as that route.</summary>
public sealed class ShieldedPathFeature(ShieldedNamespace shielded)
{
    public ShieldedNamespace Namespace { get; } = shielded;
}

/// <summary>
/// The proxy-pipeline step before the guard: reads the path leniently (<see cref="LenientPath"/>). A path whose
/// reading falls into a shielded namespace, but that YARP matched to a route guarding less (a catch-all, a click
/// route), is guarded as the shielded route: a scanner gets the interstitial, a person passes it, and the origin
/// receives the path as the client sent it. Control characters in the decoded path get a neutral 400.
/// </summary>
internal sealed partial class ShieldedPathMiddleware
{

    private readonly RequestDelegate _next;
    private readonly ShieldedNamespacesHolder _namespaces;
    private readonly RoutePolicies _routes;
    private readonly ILogger<ShieldedPathMiddleware> _logger;

    public ShieldedPathMiddleware(RequestDelegate next, ShieldedNamespacesHolder namespaces, RoutePolicies routes, ILogger<ShieldedPathMiddleware> logger)
    {
        ArgumentNullException.ThrowIfNull(next);
        ArgumentNullException.ThrowIfNull(namespaces);
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(logger);
        _next = next;
        _namespaces = namespaces;
        _routes = routes;
        _logger = logger;
    }

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        if (LenientPath.ReadRequestPath(request.Path.Value) is not { } readings)
        {
            return PlainAnswer.BadRequestAsync(context);
        }

        var matched = context.GetReverseProxyFeature().Route.Config;
        if (_namespaces.Current.StricterThan(_routes.For(matched), request.Host.Value, readings, matched.ClusterId) is { } shielded)
        {
            Log.GuardedAs(_logger, shielded.RouteId, matched.RouteId);
            context.Features.Set(new ShieldedPathFeature(shielded));
        }

        return _next(context);
    }

    /// <summary>A neutral 400 ("Bad request."), for what the client sent and no origin could read either.</summary>
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "A path matched to route {MatchedRoute} could reach shielded route {ShieldedRoute} on a lenient origin: guarded as that route")]
        public static partial void GuardedAs(ILogger logger, string shieldedRoute, string matchedRoute);
    }
}
