using LinkGateway.Signals;

namespace LinkGateway.Memory;

/// <summary>
/// How many members each window set keeps, the same in both stores: without a cap, one scanner touching
/// 100,000 recipients within a minute would grow one key to 100,000 members. A set keeps at most
/// max(64, 4 × its threshold) members, the oldest leaving first; the cap is far above the threshold, so
/// a capped count still says "at least the threshold", which is all the signals ask.
/// </summary>
/// <param name="Fanout">Distinct recipients of an address or a prefix (fan-out window).</param>
/// <param name="Links">Distinct links of one recipient's message (burst window).</param>
/// <param name="Domain">Distinct recipients of one message from one network (burst.domain window).</param>
public sealed record WindowSetCaps(int Fanout, int Links, int Domain)
{
    public static WindowSetCaps For(BehaviourOptions behaviour) => new(
        CapAbove(Math.Max(behaviour.FanoutAddressThreshold, behaviour.FanoutPrefixThreshold)),
        CapAbove(behaviour.BurstLinksThreshold),
        CapAbove(behaviour.BurstDomainThreshold));

    private static int CapAbove(int threshold) => Math.Max(64, 4 * threshold);
}
