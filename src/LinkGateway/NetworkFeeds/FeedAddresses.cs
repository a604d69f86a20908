using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LinkGateway.NetworkFeeds;

/// <summary>What one feed body yielded: its networks, and what was refused with why (a few examples).</summary>
public sealed record FeedReading(IReadOnlyList<IPNetwork> Networks, int Refused, IReadOnlyList<string> RefusedExamples);

/// <summary>
/// Reads the networks out of a provider's feed. Feeds come as JSON (Amazon, Google, Oracle, Bing, OpenAI…), CSV (Apple,
/// DigitalOcean, Linode, geofeeds) or plain text, and all of them write CIDRs or bare addresses as text, so the body is
/// scanned for address tokens rather than parsed per provider; a feed that lists other addresses too (ProtonVPN's entry and
/// exit servers) names the JSON property to read instead. Every network is checked: public unicast only, no prefix so short
/// that a mistake in a feed would swallow a continent.
/// </summary>
public static partial class FeedAddresses
{
    /// <summary>The shortest prefixes a feed may carry (the largest provider blocks today are /9 and /24).</summary>
    public const int MinimumIPv4Prefix = 8;
    public const int MinimumIPv6Prefix = 16;

    private const int RefusedExampleCount = 5;

    [GeneratedRegex(@"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,3})?(?![\w.])")]
    private static partial Regex IPv4Token();

    // Two or more colons: enough to tell an address from a time of day once it parses.
    [GeneratedRegex(@"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:/\d{1,3})?(?![\w:.])")]
    private static partial Regex IPv6Token();

    private static readonly (IPNetwork Network, string Why)[] _notPublic =
    [
        (IPNetwork.Parse("0.0.0.0/8"), "this network"),
        (IPNetwork.Parse("10.0.0.0/8"), "private"),
        (IPNetwork.Parse("100.64.0.0/10"), "shared address space (CGNAT)"),
        (IPNetwork.Parse("127.0.0.0/8"), "loopback"),
        (IPNetwork.Parse("169.254.0.0/16"), "link-local"),
        (IPNetwork.Parse("172.16.0.0/12"), "private"),
        (IPNetwork.Parse("192.0.0.0/24"), "IETF protocol assignments"),
        (IPNetwork.Parse("192.0.2.0/24"), "documentation"),
        (IPNetwork.Parse("192.168.0.0/16"), "private"),
        (IPNetwork.Parse("198.18.0.0/15"), "benchmarking"),
        (IPNetwork.Parse("198.51.100.0/24"), "documentation"),
        (IPNetwork.Parse("203.0.113.0/24"), "documentation"),
        (IPNetwork.Parse("224.0.0.0/3"), "multicast or reserved"),
        (IPNetwork.Parse("2001:db8::/32"), "documentation"),
        // Transition space embeds other networks' IPv4 addresses: no provider's own (Vultr's geofeed lists 2002::/16).
        (IPNetwork.Parse("2001::/32"), "Teredo"),
        (IPNetwork.Parse("2002::/16"), "6to4"),
    ];

    private static readonly IPNetwork _globalUnicastV6 = IPNetwork.Parse("2000::/3");

    /// <param name="field">When set, only the string values of JSON properties of this name (the body must be JSON).</param>
    public static FeedReading Read(string body, string? field)
    {
        var tokens = field is null ? Tokens(body) : FieldValues(body, field);
        var networks = new List<IPNetwork>();
        var refused = 0;
        var examples = new List<string>();
        foreach (var token in tokens)
        {
            if (Check(token, out var network) is { } problem)
            {
                refused++;
                if (examples.Count < RefusedExampleCount)
                {
                    examples.Add($"{token}: {problem}");
                }
            }
            else
            {
                networks.Add(network);
            }
        }

        return new FeedReading(networks, refused, examples);
    }

    private static IEnumerable<string> Tokens(string body)
    {
        foreach (Match match in IPv4Token().Matches(body))
        {
            yield return match.Value;
        }

        foreach (Match match in IPv6Token().Matches(body))
        {
            // A token that does not parse as an address (a time, a MAC-like id) was never one.
            if (IPAddress.TryParse(match.Value.Split('/')[0], out var address) && address.AddressFamily == AddressFamily.InterNetworkV6)
            {
                yield return match.Value;
            }
        }
    }

    private static List<string> FieldValues(string body, string field)
    {
        var values = new List<string>();
        using var document = JsonDocument.Parse(body);
        Walk(document.RootElement);
        return values;

        void Walk(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in element.EnumerateArray())
                {
                    Walk(item);
                }
            }
            else if (element.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in element.EnumerateObject())
                {
                    if (string.Equals(property.Name, field, StringComparison.OrdinalIgnoreCase) && property.Value.ValueKind == JsonValueKind.String)
                    {
                        values.Add(property.Value.GetString()!.Trim());
                    }
                    else
                    {
                        Walk(property.Value);
                    }
                }
            }
        }
    }

    /// <summary>A CIDR or a bare address (a host: /32 or /128) as a network with its host bits cleared; or why not.</summary>
    internal static string? Check(string token, out IPNetwork network)
    {
        network = default;
        var slash = token.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(slash < 0 ? token : token[..slash], out var address) || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            return "not an address";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return "an IPv4-mapped IPv6 address";
        }

        var v4 = address.AddressFamily == AddressFamily.InterNetwork;
        var width = v4 ? 32 : 128;
        var prefix = width;
        if (slash >= 0 && (!int.TryParse(token.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out prefix) || prefix > width))
        {
            return $"prefix length is not 0..{width}";
        }

        if (prefix < (v4 ? MinimumIPv4Prefix : MinimumIPv6Prefix))
        {
            return $"shorter than /{(v4 ? MinimumIPv4Prefix : MinimumIPv6Prefix)}, too wide to trust from a feed";
        }

        network = new IPNetwork(Masked(address, prefix), prefix);
        if (!v4 && !_globalUnicastV6.Contains(network.BaseAddress))
        {
            return "not global unicast";
        }

        foreach (var (reserved, why) in _notPublic)
        {
            if (reserved.BaseAddress.AddressFamily == network.BaseAddress.AddressFamily
                && (reserved.Contains(network.BaseAddress) || network.Contains(reserved.BaseAddress)))
            {
                return why;
            }
        }

        return null;
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < bytes.Length * 8; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
