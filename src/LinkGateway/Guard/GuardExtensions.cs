using LinkGateway.Guard;

namespace Microsoft.AspNetCore.Builder;

public static class GuardExtensions
{
    /// <summary>Adds the guard to a YARP proxy pipeline: <c>app.MapReverseProxy(p => p.UseLinkGuard())</c>.</summary>
    public static IReverseProxyApplicationBuilder UseLinkGuard(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<LinkGuardMiddleware>();
        return proxy;
    }
}
