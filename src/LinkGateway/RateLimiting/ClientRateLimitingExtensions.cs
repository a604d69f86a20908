using System.Net;
using System.Threading.RateLimiting;
using LinkGateway.Hosting;
using LinkGateway.Observability;

namespace Microsoft.Extensions.DependencyInjection;

public static class ClientRateLimitingExtensions
{
    /// <summary>
    /// A token bucket per client address (after trusted proxies), over every proxied request. Health
    /// endpoints are never limited. A rejection is 429 with a neutral body and Retry-After.
    /// </summary>
    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.RequestServices.GetService<GatewayMetrics>()?.RateLimited();
                var response = context.HttpContext.Response;
                response.Headers.RetryAfter = "1";
                response.Headers.CacheControl = "no-store";
                response.ContentType = "text/plain; charset=utf-8";
                await response.WriteAsync("Too many requests. Please try again in a moment.", cancellationToken);
            };
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
            {
                if (!options.Enabled || IsHealthEndpoint(context.Request.Path))
                {
                    return RateLimitPartition.GetNoLimiter(IPAddress.None);
                }

                var client = context.Connection.RemoteIpAddress ?? IPAddress.None;
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
        });
        return services;
    }

    private static bool IsHealthEndpoint(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase);
}
