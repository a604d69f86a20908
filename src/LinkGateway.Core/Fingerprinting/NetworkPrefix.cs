using System.Net;
using System.Net.Sockets;

namespace LinkGateway.Fingerprinting;

/// <summary>
/// The network a client address belongs to for behaviour: its /24 (IPv4) or /48 (IPv6). One
/// organisation's egress, one provider's scanner pool, usually sit inside one such block.
/// </summary>
public static class NetworkPrefix
{
    public const int IPv4Length = 24;
    public const int IPv6Length = 48;

    /// <summary>"203.0.113.0/24", "2001:db8:1::/48"; null for no address.</summary>
    public static string? Of(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            return $"{bytes[0]}.{bytes[1]}.{bytes[2]}.0/{IPv4Length}";
        }

        bytes[6..length].Clear();
        return $"{new IPAddress(bytes[..length])}/{IPv6Length}";
    }
}
