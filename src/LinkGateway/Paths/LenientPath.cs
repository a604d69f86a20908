using System.Buffers;
using System.Diagnostics.CodeAnalysis;

namespace LinkGateway.Paths;

/// <summary>
/// The lenient reading of a request path: what the most permissive origin could route it as. Origins disagree
/// about spellings (nginx merges slashes and resolves dot segments, servlet containers drop ";params", some
/// frameworks decode twice or read "\" as "/"), so the reading applies all of them at once: percent-decode until
/// nothing changes (so "%252F" counts as "/"), "\" as "/", ";params" stripped from each segment, empty and "."
/// segments dropped, ".." resolved. It is used to classify a request, never to rewrite it.
/// </summary>
public static class LenientPath
{
    // C0, DEL and C1: the characters char.IsControl names.
    private static readonly string _controlCharacters = string.Concat(Enumerable.Range(0, 0xA0).Select(c => (char)c).Where(char.IsControl));
    private static readonly SearchValues<char> _controls = SearchValues.Create(_controlCharacters);

    // Any of these, "//" or "/." sends a path the slow way; everything else reads as itself.
    private static readonly SearchValues<char> _needsReading = SearchValues.Create("%\\;" + _controlCharacters);

    /// <summary>
    /// Reads <paramref name="path"/> (a decoded request path, as Kestrel hands it over, or a raw one) leniently.
    /// The reading starts with "/", has no empty, "." or ".." segment and no trailing "/".
    /// </summary>
    /// <returns>
    /// False when the decoded path holds a control character (no link needs one, and origins disagree about them), or still
    /// decodes after <see cref="MaxDecodings"/> rounds.
    /// </returns>
    public static bool TryRead(string? path, [NotNullWhen(true)] out string? reading)
    {
        if (IsPlain(path))
        {
            reading = path;
            return true;
        }

        var decoded = Decodings(path ?? string.Empty).Last();
        reading = decoded.AsSpan().ContainsAny(_controls) || DecodesFurther(decoded) ? null : Normalize(decoded);
        return reading is not null;
    }

    /// <summary>
    /// Every way an origin could route a request's path (as Kestrel hands it over: decoded once): normalised as
    /// <see cref="TryRead"/> does, after each number of further decodings an origin might apply (none: nginx reads
    /// "/u/%2E%2E/m/r" as a path under /u; all of them: the reading of <see cref="TryRead"/>). A control character that
    /// only further decoding reveals is no reason to refuse: a link that carries a destination URL in its path, encoded,
    /// carries that URL's own escapes encoded again ("%250A" for a line break in a share text), and a person's click must
    /// not be lost for it. Origins disagree about such a character, so where one appears there are three readings: the
    /// character kept, dropped, and the path cut there. The gateway guards the path as a shielded route any reading
    /// reaches. Null when the path as given holds a control character, or still decodes after <see cref="MaxDecodings"/> rounds.
    /// </summary>
    public static PathReadings? ReadRequestPath(string? path)
    {
        if (IsPlain(path))
        {
            return new PathReadings(path, null);
        }

        path ??= string.Empty;
        if (path.AsSpan().ContainsAny(_controls))
        {
            return null;
        }

        var readings = new List<string>();
        var full = "/"; // the last decoding's reading (a control character there kept): TryRead's, when it has one
        var text = path;
        foreach (var decoded in Decodings(path))
        {
            text = decoded;
            readings.Add(full = Normalize(text));
            var control = text.AsSpan().IndexOfAny(_controls);
            if (control >= 0)
            {
                readings.Add(Normalize(string.Concat(text.Split(_controlCharacters.ToCharArray()))));
                readings.Add(Normalize(text[..control]));
            }
        }

        if (DecodesFurther(text))
        {
            return null;
        }

        var others = readings.Distinct(StringComparer.Ordinal).Where(other => other != full).ToArray();
        return new PathReadings(full, others.Length > 0 ? others : null);
    }

    private static string Normalize(string decoded)
    {
        var segments = new List<string>();
        foreach (var spelled in decoded.Split('/', '\\'))
        {
            var parameters = spelled.IndexOf(';', StringComparison.Ordinal);
            switch (parameters < 0 ? spelled : spelled[..parameters])
            {
                case "" or ".":
                    break;
                case "..":
                    if (segments.Count > 0)
                    {
                        segments.RemoveAt(segments.Count - 1);
                    }

                    break;
                case var segment:
                    segments.Add(segment);
                    break;
            }
        }

        return "/" + string.Join('/', segments);
    }

    /// <summary>A path that every origin reads as written: the common case, answered without allocating.</summary>
    private static bool IsPlain([NotNullWhen(true)] string? path) =>
        path is ['/', ..]
        && (path.Length == 1 || path[^1] != '/')
        && !path.AsSpan().ContainsAny(_needsReading)
        && !path.Contains("//", StringComparison.Ordinal)
        && !path.Contains("/.", StringComparison.Ordinal);

    // No link is encoded more than a few times over, and every round is a pass over the path: a 7.6 KB path of one escape
    // encoded 3,800 times over ("%2525…2541") cost 213 ms of CPU per request, and a client may send 50 a second.
    private const int MaxDecodings = 8;

    /// <summary>
    /// The text, then each further percent-decoding of it that changes anything, up to <see cref="MaxDecodings"/>; the last
    /// is a fixed point unless <see cref="DecodesFurther"/> says otherwise.
    /// </summary>
    private static IEnumerable<string> Decodings(string text)
    {
        yield return text;
        for (var round = 0; round < MaxDecodings && Uri.UnescapeDataString(text) is var decoded && decoded.Length != text.Length; round++)
        {
            yield return text = decoded;
        }
    }

    /// <summary>The last of the <see cref="Decodings"/> still decodes: a path encoded more often than any link is, refused.</summary>
    private static bool DecodesFurther(string text) => Uri.UnescapeDataString(text).Length != text.Length;
}

/// <summary>
/// A request path's lenient readings (<see cref="LenientPath.ReadRequestPath"/>): <see cref="Reading"/>, decoded until
/// nothing changes, and where origins may read it otherwise, the <see cref="Others"/>.
/// </summary>
public readonly record struct PathReadings(string Reading, string[]? Others)
{
    public IEnumerable<string> All => Others is null ? [Reading] : [Reading, .. Others];
}
