using LinkGateway.Guard;

namespace Microsoft.AspNetCore.Builder;

public static class GuardExtensions
{
    /// <summary>The guard and the snapshot of settings it judges by (a hot reload swaps the snapshot).</summary>
    public static IServiceCollection AddLinkGuard(this IServiceCollection services, GuardSnapshot snapshot)
    {
        services.AddSingleton(new GuardSnapshotHolder(snapshot));
        services.AddSingleton<LinkGuard>();
        return services;
    }

    /// <summary>Adds the guard to a YARP proxy pipeline: <c>app.MapReverseProxy(p => p.UseLinkGuard())</c>.</summary>
    public static IReverseProxyApplicationBuilder UseLinkGuard(this IReverseProxyApplicationBuilder proxy)
    {
        proxy.UseMiddleware<LinkGuardMiddleware>();
        return proxy;
    }
}
