using LinkGateway.Observability;
using Yarp.ReverseProxy.Forwarder;

namespace LinkGateway.Forwarding;

/// <summary>
/// What YARP's error at the end of a forward means for the gateway's own account of it. A forward that the cluster's
/// <c>HttpRequest:ActivityTimeout</c> ended is counted as the origin not answering: YARP cancels the token it hands
/// <see cref="OriginTimingHandler"/> both when that timeout expires and when the client leaves, so the handler cannot
/// tell them apart; only YARP's error afterwards can. A client that left mid-forward (reset while the origin thinks or
/// with its body half sent, a closed tab) is logged as 499, the client closed the request, instead of YARP's 400: no
/// failure of anyone's, and any client can cause it at will (YARP's own warning for it is dropped: <see cref="ClientLeft"/>).
/// </summary>
internal sealed class ForwardOutcomeMiddleware(RequestDelegate next, GatewayMetrics metrics)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        switch (context.GetForwarderErrorFeature()?.Error)
        {
            case ForwarderError.RequestTimedOut:
                metrics.OriginAnswered(TimeSpan.Zero, null); // no answer has no latency: none is recorded
                break;
            case { } error when ClientLeft(error) && context.RequestAborted.IsCancellationRequested && !context.Response.HasStarted:
                context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
                break;
        }
    }

    /// <summary>
    /// The errors a client causes: it left, or its side of a body failed (a malformed chunk is its own bad request and keeps
    /// YARP's 400). The origin's failures (its connection, its body, a timeout) are not among them and stay logged.
    /// </summary>
    public static bool ClientLeft(ForwarderError error) => error is ForwarderError.RequestCanceled
        or ForwarderError.RequestBodyCanceled or ForwarderError.RequestBodyClient
        or ForwarderError.ResponseBodyCanceled or ForwarderError.ResponseBodyClient
        or ForwarderError.UpgradeRequestCanceled or ForwarderError.UpgradeRequestClient
        or ForwarderError.UpgradeResponseCanceled or ForwarderError.UpgradeResponseClient;
}
