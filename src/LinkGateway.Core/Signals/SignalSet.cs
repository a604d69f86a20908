using System.Numerics;

namespace LinkGateway.Signals;

/// <summary>
/// The signals that fired for one request, as a bit mask: collecting them allocates nothing, and the
/// mask doubles as a cache key for the reasons text.
/// </summary>
public readonly record struct SignalSet(ulong Bits)
{
    public static SignalSet Empty => default;

    public bool IsEmpty => Bits == 0;

    public int Count => BitOperations.PopCount(Bits);

    public bool Contains(Signal signal) => (Bits & Mask(signal)) != 0;

    public SignalSet With(Signal signal) => new(Bits | Mask(signal));

    public SignalSet Without(Signal signal) => new(Bits & ~Mask(signal));

    public SignalSet Union(SignalSet other) => new(Bits | other.Bits);

    public SignalSet Intersect(SignalSet other) => new(Bits & other.Bits);

    public IEnumerable<Signal> Signals()
    {
        var bits = Bits;
        while (bits != 0)
        {
            var index = BitOperations.TrailingZeroCount(bits);
            yield return (Signal)index;
            bits &= bits - 1;
        }
    }

    public override string ToString() => string.Join(",", Signals().Select(s => s.Code()));

    private static ulong Mask(Signal signal) => 1UL << (int)signal;
}
