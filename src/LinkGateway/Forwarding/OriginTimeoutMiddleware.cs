using LinkGateway.Observability;
using Yarp.ReverseProxy.Forwarder;

namespace LinkGateway.Forwarding;

/// <summary>
/// Counts a forward that the cluster's <c>HttpRequest:ActivityTimeout</c> ended as the origin not answering. YARP cancels
/// the token it hands <see cref="OriginTimingHandler"/> both when that timeout expires and when the client leaves, so the
/// handler cannot tell them apart; only YARP's error afterwards can (a client that left is not the origin's failure).
/// </summary>
internal sealed class OriginTimeoutMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        if (context.GetForwarderErrorFeature()?.Error == ForwarderError.RequestTimedOut)
        {
            metrics.OriginAnswered(TimeSpan.Zero, null); // no answer has no latency: none is recorded
        }
    }
}
