using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using LinkGateway.Signing;

namespace LinkGateway.FoldBackHooks;

/// <summary>What one POST came to.</summary>
public enum WebhookOutcome
{
    /// <summary>A 2xx: the receiver has it.</summary>
    Delivered,
    /// <summary>5xx, 408, 429, a timeout or no connection: try again later.</summary>
    Retry,
    /// <summary>Any other answer (a 3xx, a 4xx): the receiver will not take it however often it is sent.</summary>
    Rejected,
}

/// <summary>
/// POSTs one event, signed as the verdict headers are (same key, same HMAC-SHA256, <c>X-Bot-Timestamp</c> and
/// <c>X-Bot-Signature</c>) over method, path and query as sent, timestamp and the SHA-256 of the body
/// (<see cref="BotHeaderSignature.WebhookCanonicalString"/>), with its <c>Idempotency-Key</c>. Redirects are not followed.
/// </summary>
public sealed class FoldBackWebhookSender(BotHeaderSignature signature, TimeProvider time, FoldBackWebhookOptions options) : IDisposable
{
    private readonly HttpClient _client = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseCookies = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(2), // follow the receiver's DNS
        ConnectTimeout = options.Timeout,
    })
    {
        Timeout = Timeout.InfiniteTimeSpan, // per request, below
    };

    private readonly Uri _receiver = options.Receiver();

    /// <returns>The outcome, the status code when there was an answer, and the receiver's Retry-After when it gave one.</returns>
    public async Task<(WebhookOutcome Outcome, int? Status, TimeSpan? RetryAfter)> PostAsync(FoldBackWebhookMessage message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _receiver) { Content = new ByteArrayContent(message.Body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        var timestamp = time.GetUtcNow().ToUnixTimeSeconds();
        request.Headers.TryAddWithoutValidation("X-Bot-Timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        // SocketsHttpHandler writes the request target as Uri.PathAndQuery: what is signed is what the receiver reads.
        request.Headers.TryAddWithoutValidation("X-Bot-Signature", signature.SignWebhook("POST", request.RequestUri!.PathAndQuery, timestamp, message.Body));
        request.Headers.TryAddWithoutValidation(FoldBackWebhookMessage.IdempotencyKeyHeader, message.IdempotencyKey);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Timeout);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            var status = (int)response.StatusCode;
            var outcome = response.IsSuccessStatusCode ? WebhookOutcome.Delivered
                : status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests ? WebhookOutcome.Retry
                : WebhookOutcome.Rejected;
            return (outcome, status, RetryAfter(response.Headers.RetryAfter));
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return (WebhookOutcome.Retry, null, null); // no connection, or no answer within the timeout
        }
    }

    public void Dispose() => _client.Dispose();

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };
}
