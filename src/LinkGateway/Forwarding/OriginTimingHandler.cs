using System.Diagnostics;
using LinkGateway.Observability;

namespace LinkGateway.Forwarding;

/// <summary>
/// Times each request to the origin up to its response headers (YARP streams the body afterwards) and counts how the
/// origin answered, for <c>linkgateway.origin.*</c> and the dashboard's origin health.
/// </summary>
internal sealed class OriginTimingHandler(GatewayMetrics metrics) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            metrics.OriginAnswered(Stopwatch.GetElapsedTime(started), (int)response.StatusCode);
            return response;
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // No answer: refused, reset. A cancelled token is the cluster's activity timeout or the client leaving: only YARP's
            // error tells which, so ForwardOutcomeMiddleware counts the timeout.
            metrics.OriginAnswered(Stopwatch.GetElapsedTime(started), null);
            throw;
        }
    }
}
