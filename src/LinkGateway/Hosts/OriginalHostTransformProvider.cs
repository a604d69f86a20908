using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace LinkGateway.Hosts;

/// <summary>
/// Sends the origin the Host the client asked for when the request's host policy says so (<see cref="HostPolicy.ForwardHost"/>):
/// an ESP's origin serves thousands of customers' tracking domains and must know which one a link came through. YARP's
/// default stays otherwise (the destination's own Host). X-Forwarded-Host is YARP's own, on every request. A route that
/// sets YARP's RequestHeaderOriginalHost transform itself keeps its own choice: the route wins over the host.
/// </summary>
internal sealed class OriginalHostTransformProvider : ITransformProvider
{
    private const string RouteTransformKey = "RequestHeaderOriginalHost";

    public void ValidateRoute(TransformRouteValidationContext context)
    {
    }

    public void ValidateCluster(TransformClusterValidationContext context)
    {
    }

    public void Apply(TransformBuilderContext context)
    {
        if (context.Route.Transforms?.Any(t => t.ContainsKey(RouteTransformKey)) == true)
        {
            return;
        }

        // YARP's own Host transform copies the client's Host (where it would otherwise drop it; one of the two kinds is always
        // there, and a route with neither gets the dropping one). This one, after it, drops it again where the host's policy
        // keeps the destination's Host.
        context.AddOriginalHost(useOriginal: true);
        context.AddRequestTransform(static transform =>
        {
            // The guard put the host's policy on the request (LinkGuardMiddleware); without it (a request the guard did not see)
            // nothing is forwarded that no policy asked for.
            if (transform.HttpContext.Features.Get<HostPolicy>() is not { ForwardHost: true })
            {
                transform.ProxyRequest.Headers.Host = null;
            }

            return ValueTask.CompletedTask;
        });
    }
}
