using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using LinkGateway.Memory;

namespace LinkGateway.FoldBackHooks;

/// <summary>
/// One fold-back event as the webhook POSTs it: the JSON body (the stream's fields, <c>taggedAt</c> in unix milliseconds,
/// <c>requests</c> as an array) and its idempotency key, which is the same on every attempt, every node and both stores.
/// </summary>
public sealed record FoldBackWebhookMessage(string IdempotencyKey, byte[] Body)
{
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    public static FoldBackWebhookMessage Of(FoldBackEvent e)
    {
        var key = KeyOf(e);
        var body = JsonSerializer.SerializeToUtf8Bytes(new Payload(key, e.Entity, e.Reason, e.TaggedAt.ToUnixTimeMilliseconds(), e.TriggerRequestId, e.Requests), RecentRequest.JsonOptions); // as the stream writes it
        return new FoldBackWebhookMessage(key, body);
    }

    /// <summary>
    /// "fb-" and 32 hex digits of the SHA-256 of entity, tagging request and time: an entity is tagged once per request
    /// (tags are set with NX), so this names the event, whoever sends it and however often.
    /// </summary>
    public static string KeyOf(FoldBackEvent e)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{e.Entity}\n{e.TriggerRequestId}\n{e.TaggedAt.ToUnixTimeMilliseconds()}"));
        return "fb-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private sealed record Payload(
        [property: JsonPropertyName("id")] string Id,
        [property: JsonPropertyName("entity")] string Entity,
        [property: JsonPropertyName("reason")] string Reason,
        [property: JsonPropertyName("taggedAt")] long TaggedAt,
        [property: JsonPropertyName("trigger")] string Trigger,
        [property: JsonPropertyName("requests")] IReadOnlyList<RecentRequest> Requests);
}
