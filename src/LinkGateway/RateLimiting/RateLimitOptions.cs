using System.ComponentModel.DataAnnotations;

namespace LinkGateway.RateLimiting;

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

    /// <summary>
    /// Requests one client (IPv4 address, IPv6 prefix, as the token bucket keys it) may have in flight at once; past it,
    /// 429 with Retry-After. Default 64: a browser opens six connections to a host and a mail scanner fetching a message's
    /// links a few dozen, while one address sending slow bodies could otherwise hold every slot of
    /// <see cref="MaxConcurrentRequests"/>, a few at a time within its token bucket, and leave everyone else a 503.
    /// Applies when <see cref="Enabled"/>.
    /// </summary>
    [Range(1, 1_000_000)]
    public int MaxConcurrentPerClient { get; set; } = 64;
}
