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

    public SignalSet Except(SignalSet other) => new(Bits & ~other.Bits);

    public IEnumerable<Signal> Signals()
    {
        foreach (var signal in this)
        {
            yield return signal;
        }
    }

    /// <summary>Lets <c>foreach</c> walk the set without allocating (per-request metrics do).</summary>
    public Enumerator GetEnumerator() => new(Bits);

    public struct Enumerator(ulong bits)
    {
        private ulong _remaining = bits;

        public Signal Current { get; private set; }

        public bool MoveNext()
        {
            if (_remaining == 0)
            {
                return false;
            }

            Current = (Signal)BitOperations.TrailingZeroCount(_remaining);
            _remaining &= _remaining - 1;
            return true;
        }
    }

    public override string ToString() => string.Join(",", Signals().Select(s => s.Code()));

    private static ulong Mask(Signal signal) => 1UL << (int)signal;
}
