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

    public static NetworkRangeSet Build(IEnumerable<(IPNetwork Network, NetworkInfo Info)> ranges)
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

        return new NetworkRangeSet(Intervals<uint>.Flatten(v4), Intervals<UInt128>.Flatten(v6));
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

        public static Intervals<T> Flatten(List<(T Start, T End, int Prefix, NetworkInfo Info)> ranges)
        {
            // Outer blocks first at equal starts, so inner (more specific) blocks sit on top of the stack.
            ranges.Sort((a, b) => a.Start != b.Start ? a.Start.CompareTo(b.Start) : a.Prefix.CompareTo(b.Prefix));
            var starts = new List<T>();
            var ends = new List<T>();
            var infos = new List<NetworkInfo>();
            var open = new Stack<(T End, NetworkInfo Info)>();
            var cursor = T.Zero;
            var exhausted = false; // the cursor passed T.MaxValue

            void Emit(T start, T end, NetworkInfo info)
            {
                if (start > end)
                {
                    return;
                }

                // Merge with the previous interval when adjacent and equal, to keep the arrays short.
                var last = starts.Count - 1;
                if (last >= 0 && ReferenceEquals(infos[last], info) && ends[last] != T.MaxValue && ends[last] + T.One == start)
                {
                    ends[last] = end;
                    return;
                }

                starts.Add(start);
                ends.Add(end);
                infos.Add(info);
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

            return new Intervals<T>([.. starts], [.. ends], [.. infos]);
        }
    }
}
