using LinkGateway.Observability;
using LinkGateway.Signing;
using Yarp.ReverseProxy.Forwarder;

namespace LinkGateway.Forwarding;

/// <summary>
/// YARP's HttpClient for each cluster: request headers encoded as Kestrel decoded them (<see cref="HeaderEncoding"/>,
/// unless the cluster's HttpClient:RequestHeaderEncoding says otherwise), and <see cref="SigningHandler"/> as the last
/// step before the socket, timed by <see cref="OriginTimingHandler"/> (the origin's latency, without the signing).
/// </summary>
internal sealed class OriginHttpClientFactory(BotHeaderSignature signature, TimeProvider time, GatewayMetrics metrics, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    protected override void ConfigureHandler(ForwarderHttpClientContext context, SocketsHttpHandler handler)
    {
        base.ConfigureHandler(context, handler);
        if (string.IsNullOrEmpty(context.NewConfig.RequestHeaderEncoding))
        {
            // The default sends ASCII only: a UTF-8 User-Agent, accepted by Kestrel, would fail the forward with 502.
            handler.RequestHeaderEncodingSelector = static (_, _) => HeaderEncoding.Utf8;
        }
    }

    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new SigningHandler(signature, time) { InnerHandler = new OriginTimingHandler(metrics) { InnerHandler = base.WrapHandler(context, handler) } };
}
