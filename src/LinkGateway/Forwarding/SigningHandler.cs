using System.Globalization;
using LinkGateway.Scoring;
using LinkGateway.Signing;

namespace LinkGateway.Forwarding;

/// <summary>
/// Signs the verdict over the request exactly as it goes on the wire: the last handler before the socket, it reads
/// the method and the path and query from the outgoing <see cref="HttpRequestMessage"/> after YARP and every
/// transform have built it (its <see cref="Uri"/> escapes some characters and unescapes others, so a string
/// put together from the incoming request can differ from what the origin receives). The verdict comes from
/// the header transform in <see cref="HttpRequestMessage.Options"/>.
/// </summary>
internal sealed class SigningHandler(BotHeaderSignature signature, TimeProvider time) : DelegatingHandler
{
    /// <summary>The verdict to sign; a request without one (nothing judged it) goes out unsigned.</summary>
    public static readonly HttpRequestOptionsKey<Verdict> VerdictKey = new("LinkGateway.Verdict");

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Sign(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Sign(request);
        return base.Send(request, cancellationToken);
    }

    private void Sign(HttpRequestMessage request)
    {
        if (!request.Options.TryGetValue(VerdictKey, out var verdict) || request.RequestUri is not { } uri)
        {
            return;
        }

        // SocketsHttpHandler writes the request target of an origin-form request as Uri.PathAndQuery (HTTP/1.1 and HTTP/2).
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        var headers = request.Headers;
        headers.Remove(BotHeaderNames.Timestamp);
        headers.Remove(BotHeaderNames.Signature);
        headers.TryAddWithoutValidation(BotHeaderNames.Timestamp, timestamp.ToString(CultureInfo.InvariantCulture));
        headers.TryAddWithoutValidation(BotHeaderNames.Signature,
            signature.Sign(verdict.Score, verdict.KindName, verdict.Reasons, verdict.Degraded, request.Method.Method, uri.PathAndQuery, timestamp));
    }
}
