using System.ComponentModel.DataAnnotations;

namespace LinkGateway.Signals;

/// <summary>
/// Windows and thresholds of the behavioural signals. The store keeps each entity's history for its
/// window; <see cref="BehaviourSignals"/> compares what the store counted with the thresholds.
/// Defaults are those docs/reference/configuration.md lists.
/// </summary>
public sealed record BehaviourOptions
{
    /// <summary>burst.links: distinct links of one recipient's message within this window. Default 3 s (Marketo uses 0–3 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan BurstLinksWindow { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>burst.links fires from this many distinct links in the window. Default 2.</summary>
    [Range(2, 1000)]
    public int BurstLinksThreshold { get; init; } = 2;

    /// <summary>fanout.recipients: distinct recipients touched by one address or prefix within this window. Default 60 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FanoutWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>fanout.recipients fires when one address touched this many distinct recipients in the window. Default 8.</summary>
    [Range(2, 100_000)]
    public int FanoutAddressThreshold { get; init; } = 8;

    /// <summary>... or when one /24 or /48 did. Default 15: an office behind one NAT, its people spread over an hour, stays far below.</summary>
    [Range(2, 100_000)]
    public int FanoutPrefixThreshold { get; init; } = 15;

    /// <summary>burst.domain: distinct recipients of one message from one network within this window. Default 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan BurstDomainWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>burst.domain fires from this many recipients in the window. Default 5.</summary>
    [Range(2, 100_000)]
    public int BurstDomainThreshold { get; init; } = 5;

    /// <summary>
    /// Fan-out and burst.domain count a recipient only this soon after the send time, when the link carries one: scanners
    /// vet mail as it is delivered, people read later. Default 15 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan DeliveryWindow { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>honeypot: hits of the same message/recipient within ± this of a honeypot hit are bots. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan HoneypotWindow { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Fold-back: how far back the requests of a newly tagged entity are reported. Default 5 minutes.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan FoldBackWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Fold-back: most requests kept per entity for it. Default 50.</summary>
    [Range(1, 10_000)]
    public int FoldBackMaxEntries { get; init; } = 50;

    public static BehaviourOptions Default { get; } = new();
}
