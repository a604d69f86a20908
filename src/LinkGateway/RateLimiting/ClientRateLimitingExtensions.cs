using System.Buffers.Binary;
using System.Net.Sockets;
using System.Net;
using System.Threading.RateLimiting;
using LinkGateway.Contracts;
using LinkGateway.Observability;
using LinkGateway.RateLimiting;

namespace Microsoft.Extensions.DependencyInjection;

public static class ClientRateLimitingExtensions
{
    /// <summary>
    /// Three limits over every proxied request, health endpoints excepted. First the gateway's own: at most
    /// <see cref="RateLimitOptions.MaxConcurrentRequests"/> in flight; past it a request is shed at the edge with 503 and
    /// Retry-After, before it costs any work — an overloaded gateway sheds requests, never the memory of the ones it takes.
    /// Then two per client (after trusted proxies): per IPv4 address, per IPv6 prefix
    /// (<see cref="RateLimitOptions.IPv6PrefixLength"/>), at most <see cref="RateLimitOptions.MaxConcurrentPerClient"/> in
    /// flight (so one client's slow requests cannot take the gateway's every slot), and a token bucket; their rejections
    /// are 429, the client's own doing. All answer with a neutral body.
    /// </summary>
    public static IServiceCollection AddClientRateLimiting(this IServiceCollection services, RateLimitOptions options)
    {
        services.AddRateLimiter(limiter =>
        {
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                // Only the per-client limits' refusals say when to come back; the gateway's in-flight limit's say nothing.
                var overloaded = !context.Lease.TryGetMetadata(MetadataName.RetryAfter, out _);
                var metrics = context.HttpContext.RequestServices.GetService<GatewayMetrics>();
                if (overloaded)
                {
                    metrics?.Shed();
                }
                else
                {
                    metrics?.RateLimited();
                }

                context.HttpContext.Response.Headers.RetryAfter = "1";
                await PlainAnswer.WriteAsync(context.HttpContext, overloaded ? StatusCodes.Status503ServiceUnavailable : StatusCodes.Status429TooManyRequests,
                    overloaded ? "The service is busy. Please try again in a moment." : "Too many requests. Please try again in a moment.");
            };
            var inFlight = PartitionedRateLimiter.Create<HttpContext, string>(context => IsHealthEndpoint(context.Request.Path)
                ? RateLimitPartition.GetNoLimiter(string.Empty)
                : RateLimitPartition.GetConcurrencyLimiter("in-flight", _ => new ConcurrencyLimiterOptions { PermitLimit = options.MaxConcurrentRequests, QueueLimit = 0 }));
            var perClientInFlight = new ClientFaultLimiter(PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
                !options.Enabled || IsHealthEndpoint(context.Request.Path)
                    ? RateLimitPartition.GetNoLimiter(IPAddress.None)
                    : RateLimitPartition.GetConcurrencyLimiter(ClientOf(context.Connection.RemoteIpAddress, options.IPv6PrefixLength),
                        _ => new ConcurrencyLimiterOptions { PermitLimit = options.MaxConcurrentPerClient, QueueLimit = 0 })));
            var perClient = PartitionedRateLimiter.Create<HttpContext, IPAddress>(context =>
            {
                if (!options.Enabled || IsHealthEndpoint(context.Request.Path))
                {
                    return RateLimitPartition.GetNoLimiter(IPAddress.None);
                }

                var client = ClientOf(context.Connection.RemoteIpAddress, options.IPv6PrefixLength);
                return RateLimitPartition.GetTokenBucketLimiter(client, _ => new TokenBucketRateLimiterOptions
                {
                    TokenLimit = options.Burst,
                    TokensPerPeriod = options.PerSecond,
                    ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                    AutoReplenishment = true,
                });
            });
            // A client past its in-flight share is refused before its bucket is charged.
            limiter.GlobalLimiter = PartitionedRateLimiter.CreateChained(inFlight, perClientInFlight, perClient);
        });
        return services;
    }

    /// <summary>
    /// The bucket's key: an IPv4 address itself (also when written IPv4-mapped), an IPv6 address cut to its
    /// prefix. One IPv6 host commonly holds a whole /64 and picks a new address whenever it likes, so a
    /// bucket per address would let it send as much as it wants.
    /// </summary>
    public static IPAddress ClientOf(IPAddress? address, int ipv6PrefixLength)
    {
        if (address is null)
        {
            return IPAddress.None;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128)
        {
            return address;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var prefix = BinaryPrimitives.ReadUInt128BigEndian(bytes) & (UInt128.MaxValue << (128 - ipv6PrefixLength));
        BinaryPrimitives.WriteUInt128BigEndian(bytes, prefix);
        return new IPAddress(bytes);
    }

    private static bool IsHealthEndpoint(PathString path) =>
        path.Equals("/healthz", StringComparison.OrdinalIgnoreCase) || path.Equals("/readyz", StringComparison.OrdinalIgnoreCase);
}
