using System.Globalization;
using System.Net;
using System.Text;
using LinkGateway.ProxyTrust;
using LinkGateway.Signatures;

namespace LinkGateway.Evaluation;

/// <summary>
/// Notices a log whose client addresses are a balancer's or a proxy's rather than the clients': then every person shares a
/// few addresses, fan-out signals fire on them, and the replay calls people bots that the gateway (which reads the real
/// client behind trusted proxies) would not. Two shapes: most requests from a few private or loopback addresses, or from
/// CDN (Cloudflare) addresses however many (its edge reaches an origin from a great many); or one address carrying a large share of requests with many distinct User-Agents and recipients, which no
/// single client or scanner does. Memory is bounded: addresses beyond the first <see cref="TrackedAddresses"/> are counted,
/// not tracked (a balancer's address, carrying a large share, appears early).
/// </summary>
public sealed class BalancerAddressCheck(NetworkRangeSet networks)
{
    /// <summary>"A large share" of requests from balancer-like addresses.</summary>
    public const double BalancerShare = 0.5;

    /// <summary>"Few" private or loopback addresses: a pool of balancer nodes, not a population (a CDN's edge is not held to it).</summary>
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

        address = TrustedProxies.Unmapped(address);
        if (!_addresses.TryGetValue(address, out var tally))
        {
            if (_addresses.Count >= TrackedAddresses)
            {
                _balancerLike += HopOf(address) is Hop.None ? 0 : 1;
                return;
            }

            tally = new Tally(HopOf(address));
            _addresses[address] = tally;
        }

        tally.Add(userAgent, recipient);
        _balancerLike += tally.Hop is Hop.None ? 0 : 1;
    }

    /// <summary>The warning to print, or null when the addresses look like clients'.</summary>
    public string? Warning()
    {
        if (_requests < MinimumRequests)
        {
            return null;
        }

        var c = CultureInfo.InvariantCulture;
        var balancers = _addresses.Where(a => a.Value.Hop is not Hop.None).OrderByDescending(a => a.Value.Requests).ToList();
        string? finding = null;
        if ((double)_balancerLike / _requests >= BalancerShare && balancers.Count(a => a.Value.Hop is Hop.Private) <= FewAddresses)
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

    private Hop HopOf(IPAddress address) =>
        TrustedProxies.LooksPrivate(address) ? Hop.Private
        : networks.Lookup(address)?.Family == "cloudflare" ? Hop.Cdn
        : Hop.None;

    private static string Join(IEnumerable<KeyValuePair<IPAddress, Tally>> addresses)
    {
        var list = addresses.Take(4).Select(a => a.Key.ToString()).ToList();
        return string.Join(", ", list) + (addresses.Skip(4).Any() ? ", …" : string.Empty);
    }

    /// <summary>What an address may be in front of the clients: nothing, a balancer of the operator's own, or a CDN's edge.</summary>
    private enum Hop
    {
        None,

        /// <summary>Private (RFC 1918, RFC 4193), loopback, link-local or shared (RFC 6598): <see cref="TrustedProxies.LooksPrivate"/>.</summary>
        Private,

        /// <summary>One of Cloudflare's published ranges.</summary>
        Cdn,
    }

    /// <summary>Requests of one address and its distinct User-Agents and recipients, each counted up to <see cref="ManyDistinct"/>.</summary>
    private sealed class Tally(Hop hop)
    {
        public Hop Hop { get; } = hop;

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
