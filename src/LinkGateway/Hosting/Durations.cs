using System.Globalization;

namespace LinkGateway.Hosting;

/// <summary>
/// How a duration is written in configuration: <c>hh:mm:ss[.fff]</c>, <c>d.hh:mm:ss</c>, or a number with a unit
/// (<c>20ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>, <c>1d</c>). A bare number is refused: .NET reads "20" as 20 days,
/// which turned a 20 ms store budget into one of days.
/// </summary>
public static class Durations
{
    public const string Syntax = "hh:mm:ss[.fff], d.hh:mm:ss, or a number with a unit: 20ms, 5s, 2m, 1h, 1d";

    private static readonly (string Suffix, TimeSpan Unit)[] _units =
    [
        ("ms", TimeSpan.FromMilliseconds(1)), ("s", TimeSpan.FromSeconds(1)), ("m", TimeSpan.FromMinutes(1)),
        ("h", TimeSpan.FromHours(1)), ("d", TimeSpan.FromDays(1)),
    ];

    /// <summary>The duration, or null with what is wrong in words an operator can act on.</summary>
    public static TimeSpan? Parse(string text, out string? problem)
    {
        problem = null;
        var trimmed = text.Trim();
        if (trimmed.Contains(':', StringComparison.Ordinal))
        {
            if (TimeSpan.TryParseExact(trimmed, "c", CultureInfo.InvariantCulture, out var clock))
            {
                return clock;
            }

            problem = $"\"{text}\" is not a duration ({Syntax})";
            return null;
        }

        // Longest suffix first, so "ms" is not read as "m" after a number ending in "s".
        foreach (var (suffix, unit) in _units.OrderByDescending(u => u.Suffix.Length))
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                && double.TryParse(trimmed.AsSpan(0, trimmed.Length - suffix.Length), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount))
            {
                var ticks = amount * unit.Ticks;
                return ticks < TimeSpan.MaxValue.Ticks ? TimeSpan.FromTicks((long)ticks) : TimeSpan.MaxValue; // the range check refuses it
            }
        }

        problem = double.TryParse(trimmed, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
            ? $"\"{text}\" needs a unit ({Syntax})"
            : $"\"{text}\" is not a duration ({Syntax})";
        return null;
    }

    /// <summary>The shortest exact spelling in the largest unit that divides it: 20ms, 5s, 2m, 1h, 1d; 1500ms for 1.5 s.</summary>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "0s";
        }

        for (var i = _units.Length - 1; i >= 0; i--)
        {
            var (suffix, unit) = _units[i];
            if (value.Ticks % unit.Ticks == 0)
            {
                return $"{value.Ticks / unit.Ticks}{suffix}";
            }
        }

        return value.ToString("c", CultureInfo.InvariantCulture);
    }
}
