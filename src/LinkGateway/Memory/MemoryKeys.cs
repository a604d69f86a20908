using System.Net;

namespace LinkGateway.Memory;

/// <summary>
/// Key names, shared by both stores so that they hold the same data. Each key carries a Redis Cluster
/// hash tag ({...}) naming its entity, so every script touches one slot; every key has a TTL.
/// </summary>
public sealed class MemoryKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary>The fold-back stream: <c>lg:{events}:foldback</c>.</summary>
    public string FoldBackStream => $"{Prefix}{{events}}:foldback";

    /// <summary>The runtime allow/deny networks (admin API), a hash without TTL: <c>lg:{ops}:networks</c>.</summary>
    public string OperatorNetworks => $"{Prefix}{{ops}}:networks";

    /// <summary>The channel on which a node announces a change of those lists: <c>lg:ops:networks</c>.</summary>
    public string OperatorNetworksChannel => $"{Prefix}ops:networks";

    /// <summary><c>lg:{ip:203.0.113.9}</c>: append <c>:tag</c>, <c>:rcpt</c>, <c>:recent</c>.</summary>
    public string Address(IPAddress address) => Entity(AddressEntity(address));

    /// <summary><c>lg:{net:203.0.113.0/24}</c>: append <c>:tag</c>, <c>:rcpt</c>, <c>:recent</c>.</summary>
    public string Network(string prefix) => Entity(NetworkEntity(prefix));

    /// <summary>The key of an entity named as fold-back events name it ("ip:…", "net:…").</summary>
    public string Entity(string entity) => $"{Prefix}{{{entity}}}";

    /// <summary>"ip:203.0.113.9".</summary>
    public static string AddressEntity(IPAddress address) => $"ip:{Normalize(address)}";

    /// <summary>"net:203.0.113.0/24" (the prefix as <see cref="Fingerprinting.NetworkPrefix"/> writes it).</summary>
    public static string NetworkEntity(string prefix) => $"net:{prefix}";

    /// <summary><c>lg:{m:MESSAGE:RECIPIENT}</c>: append <c>:links</c>, <c>:honey</c>, <c>:recent</c>.</summary>
    public string MessageRecipient(string messageId, string recipientId) => $"{Prefix}{{m:{messageId}:{recipientId}}}";

    /// <summary><c>lg:{mn:MESSAGE:203.0.113.0/24}</c>: append <c>:rcpt</c>.</summary>
    public string MessageNetwork(string messageId, string prefix) => $"{Prefix}{{mn:{messageId}:{prefix}}}";

    /// <summary><c>lg:{shape:HASH}</c>: append <c>:tag</c>.</summary>
    public string Shape(string shapeKey) => $"{Prefix}{{shape:{shapeKey}}}";

    /// <summary><c>lg:{pass:NONCE}:used</c></summary>
    public string UsedNonce(string nonce) => $"{Prefix}{{pass:{nonce}}}:used";

    /// <summary>IPv4-mapped IPv6 addresses are the IPv4 address: one client, one key.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>The entity names fold-back events use: "ip:…", "net:…", "m:…:…".</summary>
    public static string EntityOf(string key) => key[(key.IndexOf('{') + 1)..key.IndexOf('}')];
}
