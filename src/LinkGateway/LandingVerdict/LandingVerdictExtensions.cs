using LinkGateway.LandingVerdict;
using LinkGateway.Signing;

namespace Microsoft.Extensions.DependencyInjection;

public static class LandingVerdictExtensions
{
    /// <summary>The landing-page verdict of click routes (route Metadata "LandingVerdict"), signed with <paramref name="signingKey"/>.</summary>
    public static IReverseProxyBuilder AddLandingVerdict(this IReverseProxyBuilder proxy, byte[] signingKey)
    {
        proxy.Services.AddSingleton(new LandingVerdictSignature(signingKey));
        return proxy.AddTransforms<LandingVerdictTransformProvider>();
    }
}
