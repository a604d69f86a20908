using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// How many of this gateway's store round trips Redis has answered, per hash slot of a cluster (all in slot 0 on a
/// standalone Redis). It is how the store probe tells a Redis that is late because it is busy (its queue holds this
/// gateway's own scripts, its core is shared with a saturated gateway) from one that has stopped answering: the first
/// keeps answering requests while the probe waits, the second answers no one (a pause, a long script, a fork, a partition).
/// </summary>
public sealed class StoreAnswers
{
    private const int Slots = 16384; // Redis Cluster's hash slots
    private readonly long[] _bySlot = new long[Slots];

    /// <summary>A round trip to the master of <paramref name="slot"/> came back (any slot of a standalone Redis: 0).</summary>
    public void Answered(int slot) => Interlocked.Increment(ref _bySlot[(uint)slot < Slots ? slot : 0]);

    /// <summary>Answers so far from the slots in <paramref name="ranges"/>; null: from every slot (a standalone Redis).</summary>
    public long Count(IEnumerable<SlotRange>? ranges)
    {
        long count = 0;
        if (ranges is null)
        {
            for (var slot = 0; slot < Slots; slot++)
            {
                count += Volatile.Read(ref _bySlot[slot]);
            }

            return count;
        }

        foreach (var range in ranges)
        {
            for (var slot = Math.Max(0, range.From); slot <= Math.Min(Slots - 1, range.To); slot++)
            {
                count += Volatile.Read(ref _bySlot[slot]);
            }
        }

        return count;
    }
}
