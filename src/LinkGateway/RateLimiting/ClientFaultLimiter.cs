using System.Threading.RateLimiting;

namespace LinkGateway.RateLimiting;

/// <summary>
/// A limiter whose refusals are the client's own doing: each carries Retry-After, as the token bucket's do, so the
/// rejection handler answers 429 and counts it as rate limited. Without it a concurrency limiter's refusal says nothing
/// of itself and would read as the gateway's own in-flight limit (503, shed).
/// </summary>
internal sealed class ClientFaultLimiter(PartitionedRateLimiter<HttpContext> inner) : PartitionedRateLimiter<HttpContext>
{
    private static readonly TimeSpan _retryAfter = TimeSpan.FromSeconds(1);

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => inner.GetStatistics(resource);

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        Marked(inner.AttemptAcquire(resource, permitCount));

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        Marked(await inner.AcquireAsync(resource, permitCount, cancellationToken).ConfigureAwait(false));

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    protected override ValueTask DisposeAsyncCore() => inner.DisposeAsync();

    private static RateLimitLease Marked(RateLimitLease lease) => lease.IsAcquired ? lease : new Refused(lease);

    private sealed class Refused(RateLimitLease refused) : RateLimitLease
    {
        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? _retryAfter : null;
            return metadata is not null;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                refused.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
