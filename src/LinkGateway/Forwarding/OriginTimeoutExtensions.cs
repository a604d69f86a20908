using LinkGateway.Forwarding;

namespace Microsoft.AspNetCore.Builder;

public static class OriginTimeoutExtensions
{
    /// <summary>Adds the count of origin timeouts to a YARP proxy pipeline, first, so that it sees every forward's outcome.</summary>
    public static IReverseProxyApplicationBuilder UseOriginTimeouts(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<OriginTimeoutMiddleware>();
        return proxy;
    }
}
