using System.Text.RegularExpressions;

namespace LinkGateway.Signatures;

/// <summary>
/// Compiled client patterns (User-Agent, and X-Requested-With of in-app browsers). Patterns use
/// <see cref="RegexOptions.NonBacktracking"/>, so no pattern can be slow on any input. The patterns of a
/// category are joined into as few alternations as the engine's automaton limit allows, so a request
/// costs a handful of linear scans, whatever the number of patterns.
/// </summary>
public sealed class UserAgentSignatures
{
    internal const RegexOptions Options =
        RegexOptions.NonBacktracking | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;

    // Person-side categories first: a mail app whose User-Agent also names its HTTP library is a mail app. A person's
    // app (PersonApp) is not in this order: it only overrides the crawler patterns' heuristics (a bare name, a web
    // address), never a library, headless browser or scanner that a User-Agent names, so it is looked at only after a
    // crawler pattern matched, and a browser's User-Agent, which matches nothing, is not scanned for it.
    private static readonly ClientCategory[] _priority =
    [
        ClientCategory.MailClient, ClientCategory.ImageProxy, ClientCategory.MachineOpen,
        ClientCategory.Scanner, ClientCategory.Headless, ClientCategory.Library, ClientCategory.Crawler,
    ];

    // Recent answers by value: people's User-Agents repeat (a few browser builds carry most clicks), and a browser's, which
    // matches nothing, costs a scan by every alternation, about 2 µs, 2.5 % of the gateway's CPU under load (2026-11-29).
    // Direct-mapped, each slot a value, its answer and a version, odd while a writer fills the slot: a reader keeps what
    // it read only if the version was even and unchanged around its reads (a sequence lock), so no answer is ever taken
    // from another value, readers never write (a popular User-Agent's slot is not fought over by the cores), and
    // nothing is allocated. A collision, a race or a busy slot only costs a scan. Bounded whatever a client sends:
    // MemoSlots values of at most MemoMaxLength characters, about 4 MB per instance at most (two per signature set:
    // User-Agent and X-Requested-With); longer values are scanned every time. A remembered value lives on until its slot
    // is taken, so a flood of new values keeps up to MemoSlots of them from dying young. The string hash is randomized
    // per process: nobody can aim values at one slot.
    internal const int MemoSlots = 4096;
    private const int MemoMaxLength = 512;
    private readonly string?[] _memoValues = new string?[MemoSlots];
    private readonly ClientCategory[] _memoAnswers = new ClientCategory[MemoSlots];
    private readonly int[] _memoVersions = new int[MemoSlots];

    private readonly (ClientCategory Category, Regex[] Regexes)[] _categories;
    private readonly Regex[] _personApps;

    public UserAgentSignatures(IEnumerable<(ClientCategory Category, string Pattern)> patterns)
    {
        var byCategory = patterns.GroupBy(p => p.Category).ToDictionary(g => g.Key, g => g.Select(p => p.Pattern).ToList());
        _categories = _priority
            .Where(byCategory.ContainsKey)
            .Select(c => (c, Join(byCategory[c]).ToArray()))
            .ToArray();
        _personApps = byCategory.TryGetValue(ClientCategory.PersonApp, out var personApps) ? Join(personApps).ToArray() : [];
        PatternCount = byCategory.Values.Sum(l => l.Count);
        RegexCount = _categories.Sum(c => c.Regexes.Length);
    }

    public static UserAgentSignatures Empty { get; } = new([]);

    public int PatternCount { get; }

    /// <summary>How many compiled alternations a non-matching value is scanned by.</summary>
    public int RegexCount { get; }

    public ClientCategory Match(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return ClientCategory.None;
        }

        if (value.Length > MemoMaxLength)
        {
            return Scan(value);
        }

        var slot = value.GetHashCode() & (MemoSlots - 1);
        var version = Volatile.Read(ref _memoVersions[slot]);
        if ((version & 1) == 0)
        {
            var known = _memoValues[slot];
            var answer = _memoAnswers[slot];
            // The two reads above finish before the version is read again; a writer that started meanwhile changed it.
            Interlocked.MemoryBarrier();
            if (Volatile.Read(ref _memoVersions[slot]) == version && string.Equals(known, value, StringComparison.Ordinal))
            {
                return answer;
            }
        }

        var category = Scan(value);
        if ((version & 1) == 0 && Interlocked.CompareExchange(ref _memoVersions[slot], version + 1, version) == version)
        {
            _memoValues[slot] = value;
            _memoAnswers[slot] = category;
            Volatile.Write(ref _memoVersions[slot], version + 2);
        }

        return category;
    }

    /// <summary>The patterns' answer, without the memo (what <see cref="Match"/> answers on a miss).</summary>
    internal ClientCategory Scan(string value)
    {
        foreach (var (category, regexes) in _categories)
        {
            if (MatchesAny(regexes, value))
            {
                return category == ClientCategory.Crawler && MatchesAny(_personApps, value) ? ClientCategory.PersonApp : category;
            }
        }

        return ClientCategory.None;
    }

    private static bool MatchesAny(Regex[] regexes, string value)
    {
        foreach (var regex in regexes)
        {
            if (regex.IsMatch(value))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Null when the pattern is usable; otherwise why not.</summary>
    internal static string? Check(string pattern)
    {
        try
        {
            _ = new Regex(pattern, Options);
            return null;
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            return e.Message;
        }
    }

    /// <summary>One alternation of all patterns, or, past the automaton limit, halves of them, recursively.</summary>
    private static IEnumerable<Regex> Join(IReadOnlyList<string> patterns)
    {
        Regex? joined = null;
        try
        {
            joined = new Regex(string.Join('|', patterns.Select(p => $"(?:{p})")), Options);
        }
        catch (NotSupportedException) when (patterns.Count > 1)
        {
        }

        if (joined is not null)
        {
            return [joined];
        }

        var half = patterns.Count / 2;
        return Join(patterns.Take(half).ToList()).Concat(Join(patterns.Skip(half).ToList()));
    }
}
