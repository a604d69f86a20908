using System.Net;

namespace LinkGateway.Fingerprinting;

/// <summary>Networks as operators write them: in signature files, proxy trust, the admin API's allow and deny lists.</summary>
public static class NetworkText
{
    /// <summary>
    /// A CIDR block (host bits clear) or a single address. An IPv4-mapped IPv6 block (<c>::ffff:10.0.0.0/104</c>) is the IPv4
    /// block it maps (<c>10.0.0.0/8</c>): clients are looked up by their IPv4 address, so kept as IPv6 it matched nobody. An
    /// address with a zone (<c>fe80::1%eth0</c>) names an interface of one host, never a client network: not one.
    /// </summary>
    public static bool TryParse(string? text, out IPNetwork network)
    {
        if (!TryParseAsWritten(text, out network))
        {
            return false;
        }

        if (network.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 && network.BaseAddress.ScopeId != 0)
        {
            network = default;
            return false;
        }

        if (network.BaseAddress.IsIPv4MappedToIPv6 && network.PrefixLength >= 96)
        {
            network = new IPNetwork(network.BaseAddress.MapToIPv4(), network.PrefixLength - 96);
        }

        return true;
    }

    private static bool TryParseAsWritten(string? text, out IPNetwork network)
    {
        network = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        text = text.Trim();
        if (!text.Contains('/'))
        {
            if (!IPAddress.TryParse(text, out var single))
            {
                return false;
            }

            network = new IPNetwork(single, single.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }

        // IPNetwork.TryParse quietly masks host bits; "10.0.0.1/8" is a typo to report, not to guess at.
        var slash = text.IndexOf('/');
        if (!IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix)
            || prefix > (address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128))
        {
            return false;
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var length);
        for (var bit = prefix; bit < length * 8; bit++)
        {
            if ((bytes[bit / 8] & (0x80 >> (bit % 8))) != 0)
            {
                return false;
            }
        }

        network = new IPNetwork(address, prefix);
        return true;
    }
}
