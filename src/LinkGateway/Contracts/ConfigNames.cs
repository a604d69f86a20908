namespace LinkGateway.Contracts;

/// <summary>
/// Words for configuration errors: an unknown key with the valid name it most likely meant, and enum values as
/// the docs write them (lower case), never as .NET types.
/// </summary>
public static class ConfigNames
{
    /// <summary>"unknown key (did you mean Shield?)", or the valid keys when none is close.</summary>
    public static string UnknownKey(string key, IEnumerable<string> valid) => $"unknown key ({Hint(key, valid)})";

    /// <summary>"did you mean Shield?" when a valid name is a typo away, else "valid here: A, B, C".</summary>
    public static string Hint(string name, IEnumerable<string> valid)
    {
        var names = valid.ToList();
        return Closest(name, names) is { } closest ? $"did you mean {closest}?" : $"valid here: {string.Join(", ", names.Order(StringComparer.Ordinal))}";
    }

    /// <summary>The valid name <paramref name="name"/> is a typo of (a few letters away, case ignored), or null.</summary>
    public static string? Closest(string name, IEnumerable<string> valid) =>
        valid.Select(n => (Name: n, Distance: Distance(name.ToLowerInvariant(), n.ToLowerInvariant())))
            .Where(c => c.Distance <= Math.Clamp(c.Name.Length / 3, 1, 3))
            .OrderBy(c => c.Distance)
            .Select(c => c.Name)
            .FirstOrDefault();

    /// <summary>An enum value as configuration spells it: Enforce is "enforce", NeutralPage is "neutral-page".</summary>
    public static string Of(Enum value) => Of(value.ToString());

    public static string Of(string enumName) =>
        string.Concat(enumName.Select((c, i) => char.IsUpper(c) && i > 0 ? $"-{char.ToLowerInvariant(c)}" : char.ToLowerInvariant(c).ToString()));

    /// <summary>Edit distance where swapping two neighbouring letters costs one (optimal string alignment): "Sheild" is one from "Shield".</summary>
    private static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
