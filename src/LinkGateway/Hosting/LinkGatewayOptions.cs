using System.ComponentModel.DataAnnotations;

namespace LinkGateway.Hosting;

/// <summary>The "LinkGateway" configuration section. Every default is the one the README documents.</summary>
public sealed class LinkGatewayOptions
{
    public const string SectionName = "LinkGateway";

    /// <summary>enforce (default) or observe: compute and forward everything, act on nothing (README, "Shadow mode").</summary>
    public LinkGateway.Guard.GatewayMode Mode { get; set; } = LinkGateway.Guard.GatewayMode.Enforce;

    public RedisOptions Redis { get; set; } = new();

    public SigningOptions Signing { get; set; } = new();

    public SignaturesOptions Signatures { get; set; } = new();

    public ThresholdOptions Thresholds { get; set; } = new();

    /// <summary>Per reason code, the weight in 0..1 (see the README's signal table). Unlisted codes keep their default.</summary>
    public Dictionary<string, double> Weights { get; set; } = new(StringComparer.Ordinal);

    public IdentityOptions Identity { get; set; } = new();

    public TimingOptions Timing { get; set; } = new();

    public MemoryOptions Memory { get; set; } = new();

    public RateLimitOptions RateLimit { get; set; } = new();

    public ShieldOptions Shield { get; set; } = new();

    /// <summary>Windows and thresholds of the behavioural signals (README, "Behaviour").</summary>
    public LinkGateway.Signals.BehaviourOptions Behaviour { get; set; } = new();

    public ProxyTrustOptions ForwardedHeaders { get; set; } = new();

    public AdminOptions Admin { get; set; } = new();

    public TlsOptions Tls { get; set; } = new();
}

/// <summary>LinkGateway:Tls. HTTPS itself is Kestrel's (Kestrel:Endpoints with a certificate); this is the fingerprint.</summary>
public sealed class TlsOptions
{
    /// <summary>
    /// A header in which a TLS-terminating load balancer passes the client's JA4 (e.g. "X-JA4"); read only from
    /// trusted proxies (LinkGateway:ForwardedHeaders) and never forwarded. Off by default.
    /// </summary>
    public string? Ja4Header { get; set; }
}

public sealed class AdminOptions
{
    /// <summary>Where the admin API listens, e.g. "http://127.0.0.1:9090". Empty (default): no admin API.</summary>
    public string? Urls { get; set; }

    /// <summary>The bearer token, at least 32 characters. Required when Urls is set.</summary>
    public string? Token { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(Urls);
}

public sealed class RedisOptions
{
    /// <summary>StackExchange.Redis configuration string; empty (default) = the in-process store.</summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>Namespace of every key. Default "lg:"; change it only to share one Redis between deployments.</summary>
    public string KeyPrefix { get; set; } = "lg:";

    /// <summary>
    /// How long Redis may take to answer the store probe's PING before it counts as slow. Default 20 ms. It measures Redis,
    /// not the gateway: requests themselves wait for their round trip as long as the probe says Redis answers
    /// (up to <see cref="MaxWait"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan Budget { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often the store probe asks every Redis master. Default 100 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Failed probes in a row after which requests answer statelessly until a probe succeeds again. Default 2.</summary>
    [Range(1, 1000)]
    public int CircuitFailures { get; set; } = 2;

    /// <summary>
    /// The most one request waits for its round trip while the probe says Redis answers, a bound for a gateway so
    /// overloaded that its own queue holds requests this long. Default 500 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:30")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Observations kept for the store while it is away, written when it is back; the oldest go first past it. Default 100,000.</summary>
    [Range(0, 10_000_000)]
    public int BacklogCapacity { get; set; } = 100_000;
}

public sealed class SigningOptions
{
    /// <summary>Base64 of at least 32 random bytes, shared with the origin. Required outside --demo.</summary>
    public string? Key { get; set; }
}

public sealed class SignaturesOptions
{
    /// <summary>Folder of signature data files, relative to the configuration file's folder. Default "signatures".</summary>
    public string Path { get; set; } = "signatures";
}

public sealed class ThresholdOptions
{
    /// <summary>Scores from here are "suspect". Default 50.</summary>
    [Range(1, 100)]
    public int Suspect { get; set; } = 50;

    /// <summary>Scores from here are "bot". Default 80.</summary>
    [Range(1, 100)]
    public int Bot { get; set; } = 80;
}

/// <summary>Names of the route values or query parameters that carry a link's identity. A route value wins over a query parameter.</summary>
public sealed class IdentityOptions
{
    public string MessageId { get; set; } = "messageId";

    public string RecipientId { get; set; } = "recipientId";

    public string LinkId { get; set; } = "linkId";

    /// <summary>The send time, in unix seconds. Default "t".</summary>
    public string SentAt { get; set; } = "t";
}

public sealed class TimingOptions
{
    /// <summary>A fetch sooner than this after the send time fires timing.fast. Default 20 seconds.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FastAfterSend { get; set; } = TimeSpan.FromSeconds(20);
}

public sealed class MemoryOptions
{
    /// <summary>How long a client address stays tagged after a "bot" verdict. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TagTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Most bytes the in-process store holds (estimated as it changes), at least 1 MiB: past it, expired
    /// entities go first, then the least recently used. Default 256 MiB, room for about a million
    /// entities on one node.
    /// </summary>
    [Range(typeof(long), "1048576", "1099511627776")]
    public long InProcessMaxBytes { get; set; } = 256L * 1024 * 1024;
}

public sealed class RateLimitOptions
{
    /// <summary>Default true.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests one client address may send at once (token bucket size). Default 200: a scanner fetching every link of a large mail, or an office behind one NAT, stays under it.</summary>
    [Range(1, 1_000_000)]
    public int Burst { get; set; } = 200;

    /// <summary>Tokens added back per second. Default 50.</summary>
    [Range(1, 1_000_000)]
    public int PerSecond { get; set; } = 50;

    /// <summary>
    /// IPv6 clients share one bucket per prefix of this length, 32..128. Default 64: a /64 is one
    /// subscriber's or one host's network, whose addresses cost nothing to change. IPv4 is per address.
    /// </summary>
    [Range(32, 128)]
    public int IPv6PrefixLength { get; set; } = 64;

    /// <summary>
    /// Requests the gateway works on at once; past it, new ones get 503 with Retry-After at the edge, before any work.
    /// Default 2048: far above what a node serves at its peak (throughput × latency is tens), so it only ever bites when
    /// something holds requests open — a stalled origin, a flood — and keeps the gateway answering the rest. Applies
    /// whether or not the per-client limit is enabled.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConcurrentRequests { get; set; } = 2048;
}

public sealed class ShieldOptions
{
    /// <summary>How long the interstitial's pass token stays valid. Default 10 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:30", "1.00:00:00")]
    public TimeSpan PassLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the cookie set by a valid pass lets its one request through. Default 2 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan CookieLifetime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Least time between the interstitial and its button press for the press to count as a person's. Default 1.5 seconds:
    /// a person reads the page first; a script posts the token the moment it has it. A person who is quicker sees the page
    /// once more.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinDwell { get; set; } = TimeSpan.FromSeconds(1.5);

    /// <summary>
    /// The folder where this node keeps the interstitial's Data Protection key ring (with Redis, a mirror of Redis's copy,
    /// used while Redis is away). Default: LinkGateway/keys/{key prefix} under the user's local application data folder.
    /// Must be writable; on a read-only root filesystem, point it at a volume.
    /// </summary>
    public string? KeyRingPath { get; set; }

    /// <summary>The key ring folder in force: <see cref="KeyRingPath"/>, or the default for this key prefix.</summary>
    public string KeyRingFolder(string keyPrefix)
    {
        if (!string.IsNullOrWhiteSpace(KeyRingPath))
        {
            return System.IO.Path.GetFullPath(KeyRingPath);
        }

        var data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        var root = string.IsNullOrEmpty(data) ? System.IO.Path.GetTempPath() : data;
        var name = string.Concat(keyPrefix.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_'));
        return System.IO.Path.Combine(root, "LinkGateway", "keys", name);
    }

    /// <summary>Largest form body read on a shielded route (RFC 8058 one-click, the pass). Default 16 KiB; larger gets 413.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxFormBytes { get; set; } = 16 * 1024;
}

/// <summary>Which proxies may set X-Forwarded-For / X-Forwarded-Proto. Loopback is always trusted.</summary>
public sealed class ProxyTrustOptions
{
    public List<string> KnownProxies { get; set; } = [];

    public List<string> KnownNetworks { get; set; } = [];
}
