using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace LinkGateway.Signatures;

/// <summary>
/// Turns any set of CIDR blocks into the fewest disjoint blocks that cover exactly the same addresses (overlaps and
/// duplicates removed, neighbours joined), IPv4 first, each family in address order: the shape a network list is written in,
/// so that a refresh changes a file only where the provider's ranges changed.
/// </summary>
public static class CidrMerger
{
    public static IReadOnlyList<IPNetwork> Merge(IEnumerable<IPNetwork> networks)
    {
        var v4 = new List<(UInt128 Start, UInt128 End)>();
        var v6 = new List<(UInt128 Start, UInt128 End)>();
        foreach (var network in networks)
        {
            var v4Network = network.BaseAddress.AddressFamily == AddressFamily.InterNetwork;
            var width = v4Network ? 32 : 128;
            var start = ToNumber(network.BaseAddress);
            var hostBits = width - network.PrefixLength;
            var end = hostBits == 128 ? UInt128.MaxValue : start | ((UInt128.One << hostBits) - 1);
            (v4Network ? v4 : v6).Add((start, end));
        }

        var merged = new List<IPNetwork>();
        foreach (var (start, end) in Join(v4))
        {
            Split(start, end, 32, merged);
        }

        foreach (var (start, end) in Join(v6))
        {
            Split(start, end, 128, merged);
        }

        return merged;
    }

    /// <summary>Sorted intervals with every overlapping or touching pair joined.</summary>
    private static List<(UInt128 Start, UInt128 End)> Join(List<(UInt128 Start, UInt128 End)> intervals)
    {
        intervals.Sort();
        var joined = new List<(UInt128 Start, UInt128 End)>();
        foreach (var (start, end) in intervals)
        {
            if (joined.Count > 0 && (joined[^1].End == UInt128.MaxValue || start <= joined[^1].End + 1))
            {
                joined[^1] = (joined[^1].Start, UInt128.Max(joined[^1].End, end));
            }
            else
            {
                joined.Add((start, end));
            }
        }

        return joined;
    }

    /// <summary>The fewest CIDR blocks covering [start, end]: at each step the largest block aligned at start that fits.</summary>
    private static void Split(UInt128 start, UInt128 end, int width, List<IPNetwork> into)
    {
        while (true)
        {
            var aligned = start == 0 ? width : Math.Min(width, (int)UInt128.TrailingZeroCount(start));
            var span = end - start; // addresses in the rest, minus one
            // floor(log2(span + 1)): the largest power of two not above the rest's size
            var fits = span == UInt128.MaxValue ? 128 : 127 - (int)UInt128.LeadingZeroCount(span + 1);
            var bits = Math.Min(aligned, fits);
            into.Add(new IPNetwork(ToAddress(start, width), width - bits));
            var blockEnd = bits == 128 ? UInt128.MaxValue : start + ((UInt128.One << bits) - 1);
            if (blockEnd >= end)
            {
                return;
            }

            start = blockEnd + 1;
        }
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4 ? BinaryPrimitives.ReadUInt32BigEndian(bytes) : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private static IPAddress ToAddress(UInt128 value, int width)
    {
        if (width == 32)
        {
            Span<byte> v4 = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(v4, (uint)value);
            return new IPAddress(v4);
        }

        Span<byte> v6 = stackalloc byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(v6, value);
        return new IPAddress(v6);
    }
}
