using System.Net;

namespace LinkGateway.Memory;

/// <summary>
/// Key names, shared by both stores so that they hold the same data. Each key carries a Redis Cluster
/// hash tag ({...}) naming its entity, so every script touches one slot.
/// </summary>
public sealed class MemoryKeys(string prefix)
{
    public string Prefix { get; } = prefix;

    /// <summary><c>lg:{ip:203.0.113.9}:tag</c></summary>
    public string AddressTag(IPAddress address) => $"{Prefix}{{ip:{Normalize(address)}}}:tag";

    /// <summary><c>lg:{pass:NONCE}:used</c></summary>
    public string UsedNonce(string nonce) => $"{Prefix}{{pass:{nonce}}}:used";

    /// <summary>IPv4-mapped IPv6 addresses are the IPv4 address: one client, one key.</summary>
    public static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
