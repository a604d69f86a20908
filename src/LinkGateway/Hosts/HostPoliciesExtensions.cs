using LinkGateway.Hosts;

namespace Microsoft.Extensions.DependencyInjection;

public static class HostPoliciesExtensions
{
    /// <summary>
    /// The per-host policies' part of forwarding: the client's Host to the origin where LinkGateway:Hosts says so. The
    /// policies themselves are compiled with the guard's snapshot (<c>GuardSnapshot.Hosts</c>) and reloaded with it.
    /// The host's brand reaches the interstitial through <see cref="LinkGateway.Contracts.IHostBrand"/>.
    /// </summary>
    public static IReverseProxyBuilder AddHostPolicies(this IReverseProxyBuilder proxy)
    {
        proxy.Services.AddSingleton<LinkGateway.Contracts.IHostBrand, HostBrand>();
        return proxy.AddTransforms<OriginalHostTransformProvider>();
    }
}
