using LinkGateway.Forwarding;
using LinkGateway.Signing;

namespace Microsoft.Extensions.DependencyInjection;

public static class BotHeadersExtensions
{
    /// <summary>
    /// The verdict on the way to the origin: the <c>X-Bot-*</c> transform, and the origin client whose last handler signs
    /// what goes on the wire with <paramref name="signingKey"/>.
    /// </summary>
    public static IReverseProxyBuilder AddBotHeaders(this IReverseProxyBuilder proxy, byte[] signingKey)
    {
        proxy.Services.AddSingleton(new BotHeaderSignature(signingKey));
        proxy.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, OriginHttpClientFactory>();
        return proxy.AddTransforms<BotHeadersTransformProvider>();
    }
}
