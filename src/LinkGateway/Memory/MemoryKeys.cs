using System.Buffers;
using System.Net;
using System.Text;

namespace LinkGateway.Memory;

/// <summary>
/// Key names, shared by both stores so that they hold the same data. Each key carries a Redis Cluster
/// hash tag ({...}) naming its entity, so every script touches one slot; every key has a TTL. Ids come
/// from URLs, so they are escaped (<see cref="EscapeId"/>) before they become part of a name.
/// </summary>
public sealed class MemoryKeys(string prefix)
{
    private static readonly SearchValues<char> _escaped = SearchValues.Create("%:{}");

    public string Prefix { get; } = prefix;

    /// <summary>The fold-back stream: <c>lg:{events}:foldback</c>.</summary>
    public string FoldBackStream => $"{Prefix}{{events}}:foldback";


    /// <summary><c>lg:{ip:203.0.113.9}</c>: append <c>:tag</c>, <c>:recent</c>, <c>:rcpt:CLIENT</c>.</summary>
    public string Address(IPAddress address) => Entity(AddressEntity(address));

    /// <summary><c>lg:{net:203.0.113.0/24}</c>: append <c>:tag</c>.</summary>
    public string Network(string prefix) => Entity(NetworkEntity(prefix));

    /// <summary>The key of an entity named as fold-back events name it ("ip:…", "net:…").</summary>
    public string Entity(string entity) => $"{Prefix}{{{entity}}}";

    /// <summary>"ip:203.0.113.9".</summary>
    public static string AddressEntity(IPAddress address) => $"ip:{Normalize(address)}";

    /// <summary>"net:203.0.113.0/24" (the prefix as <see cref="Fingerprinting.NetworkPrefix"/> writes it).</summary>
    public static string NetworkEntity(string prefix) => $"net:{prefix}";

    /// <summary><c>lg:{m:MESSAGE:RECIPIENT}</c>: append <c>:links:CLIENT</c>, <c>:honey</c>.</summary>
    public string MessageRecipient(string messageId, string recipientId) => Entity(MessageEntity(messageId, recipientId));

    /// <summary>"m:MESSAGE:RECIPIENT", each id escaped: readable, and one name per (message, recipient) pair.</summary>
    public static string MessageEntity(string messageId, string recipientId) => $"m:{EscapeId(messageId)}:{EscapeId(recipientId)}";

    /// <summary>
    /// <c>lg:{msg:MESSAGE}</c>: append <c>:seen</c> (the message's first sighting). A message id longer than 64 characters is
    /// named by its digest: this key outlives the windows, and its name should not cost what a client chose to send.
    /// </summary>
    public string Message(string messageId) =>
        $"{Prefix}{{msg:{(messageId.Length <= 64 ? EscapeId(messageId) : "sha256:" + Fingerprinting.ShortDigest.Of(messageId))}}}";

    /// <summary><c>lg:{mc:MESSAGE:CLIENT}</c>: append <c>:rcpt</c> (burst.domain: one message's recipients reached by one client shape).</summary>
    public string MessageClient(string messageId, string shapeKey) => $"{Prefix}{{mc:{EscapeId(messageId)}:{shapeKey}}}";

    /// <summary><c>lg:{shape:HASH}</c>: append <c>:tag</c>, <c>:rcpt</c>.</summary>
    public string Shape(string shapeKey) => $"{Prefix}{{shape:{shapeKey}}}";

    /// <summary><c>lg:{pass:NONCE}:used</c></summary>
    public string UsedNonce(string nonce) => $"{Prefix}{{pass:{EscapeId(nonce)}}}:used";

    /// <summary>IPv4-mapped IPv6 addresses are the IPv4 address: one client, one key.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>
    /// An id as names hold it: <c>%</c>, <c>:</c>, <c>{</c> and <c>}</c> percent-encoded (<c>a:b</c> is
    /// <c>a%3Ab</c>), everything else as it is. Escaping <c>%</c> too makes it one-to-one, so distinct ids,
    /// and distinct (message, recipient) pairs around the <c>:</c> separator, never share a name; and no
    /// <c>}</c> of an id can end a key's hash tag early and scatter one entity over several slots.
    /// </summary>
    public static string EscapeId(string id)
    {
        if (id.AsSpan().IndexOfAny(_escaped) < 0)
        {
            return id; // the usual case: nothing to escape, nothing allocated
        }

        var escaped = new StringBuilder(id.Length + 8);
        foreach (var c in id)
        {
            var code = c switch
            {
                '%' => "%25",
                ':' => "%3A",
                '{' => "%7B",
                '}' => "%7D",
                _ => null,
            };
            if (code is null)
            {
                escaped.Append(c);
            }
            else
            {
                escaped.Append(code);
            }
        }

        return escaped.ToString();
    }
}
