using LinkGateway.ProxyTrust;

namespace Microsoft.AspNetCore.Builder;

public static class ProxyTrustExtensions
{
    /// <summary>Who may set X-Forwarded-For and X-Forwarded-Proto (loopback and LinkGateway:ForwardedHeaders), and the untrusted-forwarder warning.</summary>
    public static IServiceCollection AddProxyTrust(this IServiceCollection services, ProxyTrustOptions options)
    {
        services.Configure<ForwardedHeadersOptions>(forwarded => TrustedProxies.Configure(forwarded, options));
        services.AddSingleton<UntrustedForwarders>();
        return services;
    }

    /// <summary>Warns about untrusted private forwarders, then applies X-Forwarded-* from trusted ones.</summary>
    public static IApplicationBuilder UseProxyTrust(this IApplicationBuilder app) =>
        app.UseMiddleware<UntrustedForwarderMiddleware>().UseForwardedHeaders();
}
