using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LinkGateway.Signatures;

namespace LinkGateway.Evaluation;

/// <summary>
/// Notices a log whose client addresses are a balancer's or a proxy's rather than the clients': then every person shares a
/// few addresses, fan-out signals fire on them, and the replay calls people bots that the gateway (which reads the real
/// client behind trusted proxies) would not. Two shapes: most requests from a few private, loopback or CDN (Cloudflare)
/// addresses; or one address carrying a large share of requests with many distinct User-Agents and recipients, which no
/// single client or scanner does. Memory is bounded: addresses beyond the first <see cref="TrackedAddresses"/> are counted,
/// not tracked (a balancer's address, carrying a large share, appears early).
/// </summary>
public sealed class BalancerAddressCheck(NetworkRangeSet networks)
{
    /// <summary>"A large share" of requests from balancer-like addresses.</summary>
    public const double BalancerShare = 0.5;

    /// <summary>"Few" balancer-like addresses: a pool of balancer nodes, not a population.</summary>
    public const int FewAddresses = 16;

    /// <summary>One address carrying this share of all requests with <see cref="ManyDistinct"/> User-Agents and recipients is a shared hop.</summary>
    public const double SharedAddressShare = 0.1;

    public const int ManyDistinct = 20;

    /// <summary>Below this many requests nothing is concluded.</summary>
    public const int MinimumRequests = 50;

    public const int TrackedAddresses = 4096;

    private readonly Dictionary<IPAddress, Tally> _addresses = [];
    private long _requests;
    private long _balancerLike;

    public void Add(IPAddress? address, string? userAgent, string? recipient)
    {
        _requests++;
        if (address is null)
        {
            return;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (!_addresses.TryGetValue(address, out var tally))
        {
            if (_addresses.Count >= TrackedAddresses)
            {
                _balancerLike += IsBalancerLike(address) ? 1 : 0;
                return;
            }

            tally = new Tally(IsBalancerLike(address));
            _addresses[address] = tally;
        }

        tally.Add(userAgent, recipient);
        _balancerLike += tally.BalancerLike ? 1 : 0;
    }

    /// <summary>The warning to print, or null when the addresses look like clients'.</summary>
    public string? Warning()
    {
        if (_requests < MinimumRequests)
        {
            return null;
        }

        var c = CultureInfo.InvariantCulture;
        var balancers = _addresses.Where(a => a.Value.BalancerLike).OrderByDescending(a => a.Value.Requests).ToList();
        string? finding = null;
        if ((double)_balancerLike / _requests >= BalancerShare && balancers.Count <= FewAddresses)
        {
            finding = string.Create(c, $"{(double)_balancerLike / _requests:P0} of requests come from {balancers.Count} private, loopback or CDN addresses ({Join(balancers)})");
        }
        else if (_addresses.Where(a => (double)a.Value.Requests / _requests >= SharedAddressShare && a.Value.UserAgents.Count >= ManyDistinct && a.Value.Recipients.Count >= ManyDistinct)
                     .OrderByDescending(a => a.Value.Requests).ToList() is { Count: > 0 } shared)
        {
            var top = shared[0];
            finding = string.Create(c,
                $"{(double)top.Value.Requests / _requests:P0} of requests come from {top.Key} with at least {top.Value.UserAgents.Count} User-Agents and {top.Value.Recipients.Count} recipients ({Join(shared)})");
        }

        return finding is null ? null : new StringBuilder()
            .AppendLine($"warning: client addresses look like a balancer's or a proxy's: {finding}.")
            .AppendLine("  The gateway sees each real client (behind trusted proxies), so people here share addresses they would not, and")
            .AppendLine("  behaviour signals may call them bots. Log the client's own address and replay again:")
            .AppendLine("  nginx: ngx_http_realip_module (set_real_ip_from BALANCER; real_ip_header X-Forwarded-For;), then $remote_addr is the")
            .AppendLine("    client ($realip_remote_addr keeps the balancer); or log $http_x_forwarded_for in a JSON log_format and pass --fields address=KEY.")
            .AppendLine("  Apache: mod_remoteip (RemoteIPHeader X-Forwarded-For, RemoteIPInternalProxy BALANCER) and %a in the LogFormat.")
            .AppendLine("  IIS: add X-Forwarded-For as a custom field. AWS ALB and Cloudflare Logpush logs already name the client.")
            .ToString().TrimEnd();
    }

    /// <summary>Private (RFC 1918, RFC 4193), loopback, link-local, shared (RFC 6598), or one of Cloudflare's published ranges.</summary>
    private bool IsBalancerLike(IPAddress address)
    {
        if (IPAddress.IsLoopback(address) || address.IsIPv6LinkLocal || address.IsIPv6UniqueLocal)
        {
            return true;
        }

        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            if (b[0] == 10 || (b[0] == 172 && (b[1] & 0xF0) == 16) || (b[0] == 192 && b[1] == 168) || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && (b[1] & 0xC0) == 64))
            {
                return true;
            }
        }

        return networks.Lookup(address)?.Family == "cloudflare";
    }

    private static string Join(IEnumerable<KeyValuePair<IPAddress, Tally>> addresses)
    {
        var list = addresses.Take(4).Select(a => a.Key.ToString()).ToList();
        return string.Join(", ", list) + (addresses.Skip(4).Any() ? ", …" : string.Empty);
    }

    /// <summary>Requests of one address and its distinct User-Agents and recipients, each counted up to <see cref="ManyDistinct"/>.</summary>
    private sealed class Tally(bool balancerLike)
    {
        public bool BalancerLike { get; } = balancerLike;

        public long Requests { get; private set; }

        // Hashes, not the strings: a log's lines are not kept alive for a count (a collision only undercounts).
        public HashSet<int> UserAgents { get; } = [];

        public HashSet<int> Recipients { get; } = [];

        public void Add(string? userAgent, string? recipient)
        {
            Requests++;
            if (userAgent is not null && UserAgents.Count < ManyDistinct)
            {
                UserAgents.Add(StringComparer.Ordinal.GetHashCode(userAgent));
            }

            if (recipient is not null && Recipients.Count < ManyDistinct)
            {
                Recipients.Add(StringComparer.Ordinal.GetHashCode(recipient));
            }
        }
    }
}
