using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace LinkGateway.Signatures;

/// <summary>
/// Answers "which known network holds this address" in O(log n) with no allocation. CIDR blocks either
/// nest or are disjoint, so at build time they are flattened into sorted, disjoint intervals where the
/// most specific block wins; a lookup is then one binary search per address family.
/// </summary>
public sealed class NetworkRangeSet
{
    private readonly Intervals<uint> _v4;
    private readonly Intervals<UInt128> _v6;

    private NetworkRangeSet(Intervals<uint> v4, Intervals<UInt128> v6)
    {
        _v4 = v4;
        _v6 = v6;
    }

    public static NetworkRangeSet Empty { get; } = Build([]);

    /// <summary>Number of disjoint intervals after flattening (for diagnostics and benchmarks).</summary>
    public int IntervalCount => _v4.Count + _v6.Count;

    /// <param name="rank">
    /// Where blocks overlap, a block of higher rank wins over one of lower rank whatever their sizes, and within one rank the
    /// most specific block wins. Without it every block has the same rank (the operator's allow and deny lists: the more
    /// specific network wins). The signature files rank by category (<see cref="NetworkCategories.Precedence"/>), so that a
    /// cloud provider's small block inside a mail-security vendor's large one does not hide the vendor.
    /// </param>
    public static NetworkRangeSet Build(IEnumerable<(IPNetwork Network, NetworkInfo Info)> ranges, Func<NetworkInfo, int>? rank = null)
    {
        var v4 = new List<(uint Start, uint End, int Prefix, NetworkInfo Info)>();
        var v6 = new List<(UInt128 Start, UInt128 End, int Prefix, NetworkInfo Info)>();
        foreach (var (network, info) in ranges)
        {
            var prefix = network.PrefixLength;
            if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            {
                var start = ToUInt32(network.BaseAddress);
                var hostBits = 32 - prefix;
                var end = hostBits == 32 ? uint.MaxValue : start | ((1u << hostBits) - 1);
                v4.Add((start, end, prefix, info));
            }
            else
            {
                var start = ToUInt128(network.BaseAddress);
                var hostBits = 128 - prefix;
                var end = hostBits == 128 ? UInt128.MaxValue : start | ((UInt128.One << hostBits) - 1);
                v6.Add((start, end, prefix, info));
            }
        }

        return new NetworkRangeSet(Intervals<uint>.Build(v4, rank), Intervals<UInt128>.Build(v6, rank));
    }

    public NetworkInfo? Lookup(IPAddress? address)
    {
        if (address is null)
        {
            return null;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => _v4.Find(ToUInt32(address)),
            AddressFamily.InterNetworkV6 => _v6.Find(ToUInt128(address)),
            _ => null,
        };
    }

    private static uint ToUInt32(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[4];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt32BigEndian(bytes);
    }

    private static UInt128 ToUInt128(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    private sealed class Intervals<T>
        where T : struct, IBinaryInteger<T>, IUnsignedNumber<T>, IMinMaxValue<T>
    {
        private readonly T[] _starts;
        private readonly T[] _ends;
        private readonly NetworkInfo[] _infos;

        private Intervals(T[] starts, T[] ends, NetworkInfo[] infos)
        {
            _starts = starts;
            _ends = ends;
            _infos = infos;
        }

        public int Count => _starts.Length;

        public NetworkInfo? Find(T value)
        {
            // Last interval whose start is <= value.
            int lo = 0, hi = _starts.Length - 1, found = -1;
            while (lo <= hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_starts[mid] <= value)
                {
                    found = mid;
                    lo = mid + 1;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            return found >= 0 && value <= _ends[found] ? _infos[found] : null;
        }

        public static Intervals<T> Build(List<(T Start, T End, int Prefix, NetworkInfo Info)> ranges, Func<NetworkInfo, int>? rank)
        {
            // Each rank flattened alone, then laid over the lower ranks: one pass per rank (a handful).
            var painted = new List<(T Start, T End, NetworkInfo Info)>();
            foreach (var layer in ranges.GroupBy(r => rank?.Invoke(r.Info) ?? 0).OrderBy(g => g.Key))
            {
                painted = Overlay(painted, Flatten(layer.ToList()));
            }

            // Neighbours of the same network joined, to keep the arrays short.
            var starts = new List<T>();
            var ends = new List<T>();
            var infos = new List<NetworkInfo>();
            foreach (var (start, end, info) in painted)
            {
                var last = starts.Count - 1;
                if (last >= 0 && ReferenceEquals(infos[last], info) && ends[last] != T.MaxValue && ends[last] + T.One == start)
                {
                    ends[last] = end;
                    continue;
                }

                starts.Add(start);
                ends.Add(end);
                infos.Add(info);
            }

            return new Intervals<T>([.. starts], [.. ends], [.. infos]);
        }

        /// <summary>The intervals of <paramref name="above"/>, and what <paramref name="below"/> covers outside them; both sorted and disjoint.</summary>
        private static List<(T Start, T End, NetworkInfo Info)> Overlay(List<(T Start, T End, NetworkInfo Info)> below, List<(T Start, T End, NetworkInfo Info)> above)
        {
            if (below.Count == 0)
            {
                return above;
            }

            var result = new List<(T Start, T End, NetworkInfo Info)>(below.Count + above.Count);
            result.AddRange(above);
            var first = 0; // the first interval above that may still reach the current one below
            foreach (var (start, end, info) in below)
            {
                while (first < above.Count && above[first].End < start)
                {
                    first++;
                }

                var cursor = start;
                var covered = false;
                for (var k = first; k < above.Count && above[k].Start <= end; k++)
                {
                    if (above[k].Start > cursor)
                    {
                        result.Add((cursor, above[k].Start - T.One, info));
                    }

                    if (above[k].End >= end)
                    {
                        covered = true;
                        break;
                    }

                    cursor = T.Max(cursor, above[k].End + T.One);
                }

                if (!covered)
                {
                    result.Add((cursor, end, info));
                }
            }

            result.Sort((a, b) => a.Start.CompareTo(b.Start));
            return result;
        }

        /// <summary>Blocks of one rank as sorted, disjoint intervals where the most specific block wins.</summary>
        private static List<(T Start, T End, NetworkInfo Info)> Flatten(List<(T Start, T End, int Prefix, NetworkInfo Info)> ranges)
        {
            // Outer blocks first at equal starts, so inner (more specific) blocks sit on top of the stack.
            ranges.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Prefix.CompareTo(b.Prefix));
            var flat = new List<(T Start, T End, NetworkInfo Info)>();
            var open = new Stack<(T End, NetworkInfo Info)>();
            var cursor = T.Zero;
            var exhausted = false; // the cursor passed T.MaxValue

            void Emit(T start, T end, NetworkInfo info)
            {
                if (start > end)
                {
                    return;
                }

                flat.Add((start, end, info));
            }

            void CloseTop()
            {
                var (end, info) = open.Pop();
                if (!exhausted && cursor <= end)
                {
                    Emit(cursor, end, info);
                    if (end == T.MaxValue)
                    {
                        exhausted = true;
                    }
                    else
                    {
                        cursor = end + T.One;
                    }
                }
            }

            foreach (var (start, end, _, info) in ranges)
            {
                while (open.Count > 0 && open.Peek().End < start)
                {
                    CloseTop();
                }

                if (open.Count > 0 && !exhausted && cursor < start)
                {
                    Emit(cursor, start - T.One, open.Peek().Info);
                }

                if (open.Count == 0 || cursor < start)
                {
                    cursor = start;
                    exhausted = false;
                }

                open.Push((end, info));
            }

            while (open.Count > 0)
            {
                CloseTop();
            }

            return flat;
        }
    }
}
