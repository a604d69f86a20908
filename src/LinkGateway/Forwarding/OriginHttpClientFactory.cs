using LinkGateway.Signing;
using Yarp.ReverseProxy.Forwarder;

namespace LinkGateway.Forwarding;

/// <summary>YARP's HttpClient for each cluster, with <see cref="SigningHandler"/> as the last step before the socket.</summary>
internal sealed class OriginHttpClientFactory(BotHeaderSignature signature, TimeProvider time, ILogger<ForwarderHttpClientFactory> logger)
    : ForwarderHttpClientFactory(logger)
{
    protected override HttpMessageHandler WrapHandler(ForwarderHttpClientContext context, HttpMessageHandler handler) =>
        new SigningHandler(signature, time) { InnerHandler = base.WrapHandler(context, handler) };
}
