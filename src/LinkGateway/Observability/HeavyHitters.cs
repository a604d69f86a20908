namespace LinkGateway.Observability;

/// <summary>
/// The most frequent keys of a stream in a fixed number of counters (Misra–Gries): a log or a node that sees
/// millions of distinct networks costs the same memory as one that sees a few. Exact while fewer keys than
/// counters have been seen; after that each count is a lower bound. Not thread-safe.
/// </summary>
public sealed class HeavyHitters(int counters)
{
    private readonly Dictionary<string, long> _counts = new(StringComparer.Ordinal);

    /// <summary>True once a key was dropped to make room: the counts are then lower bounds.</summary>
    public bool Approximate { get; private set; }

    public void Add(string key)
    {
        if (_counts.TryGetValue(key, out var count) || _counts.Count < counters)
        {
            _counts[key] = count + 1;
            return;
        }

        Approximate = true;
        foreach (var (other, value) in _counts)
        {
            if (value <= 1)
            {
                _counts.Remove(other);
            }
            else
            {
                _counts[other] = value - 1;
            }
        }
    }

    /// <summary>The <paramref name="count"/> largest, largest first, ties by key.</summary>
    public IEnumerable<KeyValuePair<string, long>> Top(int count) =>
        _counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(count);
}
