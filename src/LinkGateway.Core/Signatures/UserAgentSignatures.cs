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

    // Person-side categories first: a mail app whose User-Agent also names its HTTP library is a mail app.
    private static readonly ClientCategory[] _priority =
    [
        ClientCategory.MailClient, ClientCategory.ImageProxy, ClientCategory.MachineOpen,
        ClientCategory.Scanner, ClientCategory.Headless, ClientCategory.Library, ClientCategory.Crawler,
    ];

    private readonly (ClientCategory Category, Regex[] Regexes)[] _categories;

    public UserAgentSignatures(IEnumerable<(ClientCategory Category, string Pattern)> patterns)
    {
        var byCategory = patterns.GroupBy(p => p.Category).ToDictionary(g => g.Key, g => g.Select(p => p.Pattern).ToList());
        _categories = _priority
            .Where(byCategory.ContainsKey)
            .Select(c => (c, Join(byCategory[c]).ToArray()))
            .ToArray();
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

        foreach (var (category, regexes) in _categories)
        {
            foreach (var regex in regexes)
            {
                if (regex.IsMatch(value))
                {
                    return category;
                }
            }
        }

        return ClientCategory.None;
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
