using System.Globalization;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using LinkGateway.Links;
using LinkGateway.Signals;

namespace LinkGateway.Memory;

/// <summary>What one request tells the memory.</summary>
/// <param name="Now">The request's time (the gateway's clock, or a replayed log's).</param>
/// <param name="RequestId">The id the origin also receives in X-Bot-Request-Id.</param>
/// <param name="Kind">The route's kind.</param>
/// <param name="ClientAddress">The client, after trusted proxies; null when unknown.</param>
/// <param name="Prefix">Its /24 or /48 (<see cref="Fingerprinting.NetworkPrefix"/>).</param>
/// <param name="Identity">Message, recipient, link and send time, when the URL carries them.</param>
/// <param name="ShapeKey">User-Agent + header shape + prefix (<see cref="Fingerprinting.ClientShape"/>).</param>
/// <param name="NewTag">Set when the request is a bot on its own evidence: its address is tagged now (and its prefix, on a honeypot).</param>
/// <param name="ShapeTag">
/// The tag for its client shape: <see cref="NewTag"/>, except when the client's software says what it is by itself (its
/// User-Agent or TLS): such software is recognised on every request anyway, and a tag per User-Agent it cares to send
/// would only fill the store.
/// </param>
/// <param name="HoneypotHit">The request hit a honeypot: its address, prefix and message/recipient are marked.</param>
/// <param name="TagTtl">How long tags live.</param>
/// <param name="Behaviour">The windows and thresholds in force for this request (a hot reload changes them for the next).</param>
/// <param name="PersonRelay">
/// The client's network is a relay that carries people (iCloud Private Relay, a consumer VPN): its addresses and prefixes
/// are shared by many people at once, so what many recipients do through it is never counted as one client's fan-out.
/// </param>
public sealed record MemoryObservation(
    DateTimeOffset Now,
    string RequestId,
    LinkKind Kind,
    IPAddress? ClientAddress,
    string? Prefix,
    LinkIdentity Identity,
    string? ShapeKey,
    AddressTag? NewTag,
    AddressTag? ShapeTag,
    bool HoneypotHit,
    TimeSpan TagTtl,
    BehaviourOptions Behaviour,
    bool PersonRelay)
{
    public bool HasMessageRecipient => Identity.MessageId is not null && Identity.RecipientId is not null;

    /// <summary>The fold-back name of the request's address: "ip:203.0.113.9".</summary>
    public string AddressEntity => MemoryKeys.AddressEntity(ClientAddress!);

    /// <summary>
    /// The request is not known to be later than <see cref="BehaviourOptions.DeliveryWindow"/> after the send: fan-out,
    /// burst.domain and burst.links count it. Scanners vet a message as it is delivered; afterwards people read it, open
    /// two of its links in tabs within a second, and colleagues behind one office address click the same newsletter
    /// seconds apart with the same managed browser. A link without its send time cannot tell, and counts; so does a send
    /// time in the future (a clock apart, or a client that edited it to look late).
    /// </summary>
    public bool AtDelivery() => Identity.SentAt is not { } sent || Now - sent <= Behaviour.DeliveryWindow;

    /// <summary>
    /// How long a tag lives that behaviour revealed (the requests looked like a person's, what the client did did not), and
    /// a browser's shape tag (<see cref="ShapeTag"/> is set only for software that does not say what it is): the delivery
    /// window, at most <see cref="TagTtl"/>. Such a client vetted a delivery, or hit a honeypot, with a browser
    /// indistinguishable from people's; the colleagues who share its address and browser build read the mail later, and
    /// must not inherit its tag for a day. A tag for what the requests showed themselves lives <see cref="TagTtl"/> on the
    /// address, which others inherit only with evidence of their own.
    /// </summary>
    public TimeSpan RevealedTagTtl => TagTtl < Behaviour.DeliveryWindow ? TagTtl : Behaviour.DeliveryWindow;

    /// <summary>This request as the fold-back names it, should its client be tagged later.</summary>
    public RecentRequest AsRecent() =>
        new(Now, RequestId, Kind.ToName(), Identity.MessageId, Identity.RecipientId, Identity.LinkId, ShapeKey);
}

/// <summary>What the memory knew before this request, and the fold-back its tags produced.</summary>
public sealed record MemoryRecall(AddressTag? AddressTag, BehaviourFacts Facts, IReadOnlyList<FoldBackEvent> FoldBack)
{
    public static MemoryRecall Nothing { get; } = new(null, default, []);

    /// <summary>When any node first saw the request's message, when the store was asked (<see cref="Links.LinkIdentity.FirstSeenStandsIn"/>).</summary>
    public DateTimeOffset? FirstSeen { get; init; }
}

/// <summary>What to remember after the verdict.</summary>
/// <param name="Observation">The request.</param>
/// <param name="Tag">The tag to set where it is missing (the final verdict was bot).</param>
/// <param name="TagAddress">Tag the client address (behaviour made it a bot, and it was not tagged yet).</param>
/// <param name="TagShape">Tag the client shape.</param>
/// <param name="FoldBack">Events <see cref="IGatewayMemory.ObserveAsync"/> took, still to be written.</param>
public sealed record MemoryRemember(
    MemoryObservation Observation,
    AddressTag Tag,
    bool TagAddress,
    bool TagShape,
    IReadOnlyList<FoldBackEvent> FoldBack)
{
    public bool HasWork => TagAddress || TagShape || FoldBack.Count > 0;
}

/// <summary>An address's or a prefix's tag with the time it has left (null and zero when untagged), and its recent requests.</summary>
public sealed record EntityLookup(AddressTag? Tag, TimeSpan TimeToLive, IReadOnlyList<RecentRequest> Recent);

/// <summary>Why an entity was tagged: the verdict that tagged it and when.</summary>
public sealed record AddressTag(int Score, string Reasons, DateTimeOffset TaggedAt)
{
    /// <summary>Stored form "score|unix-seconds|reasons": small, and readable in redis-cli.</summary>
    public string Serialize() => string.Create(CultureInfo.InvariantCulture, $"{Score}|{TaggedAt.ToUnixTimeSeconds()}|{Reasons}");

    public static AddressTag? Parse(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return null;
        }

        var parts = stored.Split('|', 3);
        if (parts.Length == 3
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var score)
            && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return new AddressTag(score, parts[2], DateTimeOffset.FromUnixTimeSeconds(seconds));
        }

        // Written by something else: still a tag, reasons unknown.
        return new AddressTag(0, string.Empty, DateTimeOffset.UnixEpoch);
    }
}

/// <summary>One earlier request of a newly tagged entity (docs/concepts/memory.md, "Fold-back").</summary>
public sealed record RecentRequest(
    [property: JsonPropertyName("at")] DateTimeOffset At,
    [property: JsonPropertyName("requestId")] string RequestId,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("messageId")] string? MessageId,
    [property: JsonPropertyName("recipientId")] string? RecipientId,
    [property: JsonPropertyName("linkId")] string? LinkId,
    [property: JsonPropertyName("client")] string? Client = null)
{
    // Relaxed escaping: this JSON goes to Redis and to analytics, never into HTML, and escaping every
    // non-ASCII character six bytes wide would triple the worst-case size of a fold-back event.
    private static readonly JsonSerializerOptions _json = new()
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>How fold-back JSON is written, wherever it goes (the stream, the webhook).</summary>
    public static JsonSerializerOptions JsonOptions => _json;

    /// <summary>The stored form: JSON as UTF-8, written straight to Redis (no string to build and encode again per click).</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, _json);

    public static RecentRequest? Parse(string text)
    {
        try
        {
            return JsonSerializer.Deserialize<RecentRequest>(text, _json);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static string SerializeList(IReadOnlyList<RecentRequest> requests) => JsonSerializer.Serialize(requests, _json);

    public static IReadOnlyList<RecentRequest> ParseList(string text) => JsonSerializer.Deserialize<List<RecentRequest>>(text, _json) ?? [];
}

/// <summary>
/// An entity became a scanner: the requests it made in the fold-back window before that, which the
/// origin may have counted as a person's. Analytics match them by request id and correct them.
/// </summary>
/// <param name="Entity">The tagged address, "ip:203.0.113.9".</param>
/// <param name="Reason">What tagged it: the reason codes of the tagging verdict.</param>
/// <param name="TaggedAt">When.</param>
/// <param name="TriggerRequestId">The request that tagged it.</param>
/// <param name="Requests">The earlier requests, oldest first.</param>
public sealed record FoldBackEvent(string Entity, string Reason, DateTimeOffset TaggedAt, string TriggerRequestId, IReadOnlyList<RecentRequest> Requests)
{
    /// <summary>
    /// Most bytes of an event's <c>requests</c> JSON. Typical requests (ids of a few dozen bytes, about
    /// 230 bytes each) all fit at 50 entries; only ids near <see cref="Links.IdentityProfile.MaxIdBytes"/>
    /// and made of characters JSON writes wide fill it first, and then the oldest are left out. It bounds
    /// the stream's worst case (docs/concepts/memory.md, "Fold-back").
    /// </summary>
    public const int MaxRequestsBytes = 32 * 1024;

    /// <summary>
    /// The entries of an entity's recent list that fall in the window and are not the trigger itself,
    /// oldest first; the newest that fit in <see cref="MaxRequestsBytes"/>.
    /// </summary>
    public static IReadOnlyList<RecentRequest> Select(IEnumerable<RecentRequest?> entries, DateTimeOffset now, TimeSpan window, string triggerRequestId)
    {
        var newestFirst = entries.OfType<RecentRequest>()
            .Where(e => e.At >= now - window && e.RequestId != triggerRequestId)
            .DistinctBy(e => e.RequestId)
            .OrderByDescending(e => e.At);
        var kept = new List<RecentRequest>();
        var bytes = 2; // [ and ]
        foreach (var entry in newestFirst)
        {
            bytes += entry.ToUtf8Json().Length + (kept.Count > 0 ? 1 : 0);
            if (bytes > MaxRequestsBytes)
            {
                break;
            }

            kept.Add(entry);
        }

        kept.Reverse();
        return kept;
    }
}
