using LinkGateway.Forwarding;

namespace Microsoft.AspNetCore.Builder;

public static class ForwardOutcomeExtensions
{
    /// <summary>Adds the reading of each forward's outcome (origin timeouts, clients that left) to a YARP proxy pipeline, first, so that it sees every one.</summary>
    public static IReverseProxyApplicationBuilder UseForwardOutcomes(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<ForwardOutcomeMiddleware>();
        return proxy;
    }
}
