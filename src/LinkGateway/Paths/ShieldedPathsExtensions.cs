using LinkGateway.Paths;

namespace Microsoft.AspNetCore.Builder;

public static class ShieldedPathsExtensions
{
    /// <summary>Adds the lenient path check to a YARP proxy pipeline, before the guard: <c>proxy.UseShieldedPaths(); proxy.UseLinkGuard();</c>.</summary>
    public static IReverseProxyApplicationBuilder UseShieldedPaths(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ShieldedPathMiddleware>();
        return proxy;
    }
}
