using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LinkGateway.Links;

/// <summary>The names under which a link layout carries message, recipient, link and send time.</summary>
public sealed record IdentityFields(string MessageId, string RecipientId, string LinkId, string SentAt);

/// <summary>
/// How one link layout carries its identity, compiled: which names hold message, recipient, link and send time, and where
/// they are looked up — the token's fields (JSON, JWT claims, or groups of a pattern over decoded text), then the groups of
/// a pattern over the path and query, then route values, then query parameters. When a click's URL names nothing, the URL
/// itself is its link, so a client fetching many distinct tracking URLs at once is still a burst.
/// </summary>
public sealed class IdentityProfile
{
    /// <summary>
    /// Longest id, in UTF-8 bytes, that is identity. Ids name store keys and fill fold-back events, and anyone can write any
    /// URL: a longer id, or one with control characters, is not identity, and the request is judged without it.
    /// </summary>
    public const int MaxIdBytes = 256;

    private readonly IdentityFields _fields;
    private readonly Regex? _pattern;
    private readonly string? _tokenName;
    private readonly LinkToken? _token;
    private readonly bool _firstSeenStandsIn;

    public IdentityProfile(IdentityFields fields, Regex? pattern = null, string? tokenName = null, LinkToken? token = null, bool firstSeenStandsIn = false)
    {
        _fields = fields;
        _pattern = pattern;
        _tokenName = tokenName;
        _token = token;
        _firstSeenStandsIn = firstSeenStandsIn;
    }

    /// <summary>The demo layout's: route values or query parameters messageId, recipientId, linkId and t.</summary>
    public static IdentityProfile Default { get; } = new(new IdentityFields("messageId", "recipientId", "linkId", "t"));

    /// <summary>A regular expression that cannot run away on a hostile URL: linear-time when the pattern allows it, else bounded in time.</summary>
    public static Regex CompilePattern(string pattern)
    {
        const RegexOptions Options = RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture;
        try
        {
            return new Regex(pattern, Options | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            // Lookarounds and backreferences need backtracking: bounded per request, so a hostile URL costs at most this.
            return new Regex(pattern, Options, TimeSpan.FromMilliseconds(5));
        }
    }

    /// <summary>
    /// The identity of one request to a route of <paramref name="kind"/>.
    /// </summary>
    /// <param name="pathAndQuery">The path (decoded) and the query as sent, "?" included when there is one.</param>
    /// <param name="value">A route value, else a query parameter, by name.</param>
    public LinkIdentity Read(LinkKind kind, string pathAndQuery, Func<string, string?> value) =>
        Read(kind, (pathAndQuery, value), static s => s.pathAndQuery, static (s, name) => s.value(name));

    /// <summary>
    /// The same, reading the request through <paramref name="state"/> with static functions: the usual layout (route values
    /// and query parameters) allocates no delegate and builds the path and query only when it needs it.
    /// </summary>
    public LinkIdentity Read<TState>(LinkKind kind, TState state, Func<TState, string> pathAndQuery, Func<TState, string, string?> value)
    {
        LinkIdentity identity;
        if (_pattern is null && _token is null)
        {
            identity = Build(state, value);
            // Only a layout that reads nothing but route values and query parameters falls back to the URL: a pattern that did
            // not match or a token that did not open (an old mail's token, signed with a key since rotated out) is a link of a
            // known layout that could not be read, and one client's clicks on several such links are no burst.
            if (identity is { MessageId: null, RecipientId: null, LinkId: null } && kind == LinkKind.Click)
            {
                return identity with { LinkId = UrlLink(pathAndQuery(state)), LinkIsUrl = true };
            }
        }
        else
        {
            var groups = _pattern is null ? null : Groups(_pattern, pathAndQuery(state));
            Func<string, string?> lookUp = groups is null ? name => value(state, name) : name => groups(name) ?? value(state, name);
            if (_token is not null)
            {
                // A token that does not open (forged, cut, signed with a key since rotated out) gives no identity: its ids read
                // from the query beside it were whatever the client wrote there.
                if (_token.Open(lookUp(_tokenName!)) is not { } fields)
                {
                    return LinkIdentity.Empty;
                }

                var outer = lookUp;
                lookUp = name => fields(name) ?? outer(name);
            }

            identity = Build(lookUp, static (look, name) => look(name));
        }

        return _firstSeenStandsIn && identity is { SentAt: null, MessageId: not null } ? identity with { FirstSeenStandsIn = true } : identity;
    }

    private LinkIdentity Build<TState>(TState state, Func<TState, string, string?> lookUp) =>
        new(Id(lookUp(state, _fields.MessageId)), Id(lookUp(state, _fields.RecipientId)), Id(lookUp(state, _fields.LinkId)), SentAt(lookUp(state, _fields.SentAt)));

    /// <summary>The send time from unix seconds (or milliseconds, as JavaScript writes them); null when it is not one.</summary>
    public static DateTimeOffset? SentAt(string? text)
    {
        // A JWT's NumericDate may have a fraction (RFC 7519 §2): the whole seconds are the time.
        if (text is not null && text.IndexOf('.') is var dot and > 0 && dot < text.Length - 1 && text.AsSpan(dot + 1).IndexOfAnyExceptInRange('0', '9') < 0)
        {
            text = text[..dot];
        }

        if (text is null || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number <= 0)
        {
            return null;
        }

        return number switch
        {
            < 100_000_000_000 => DateTimeOffset.FromUnixTimeSeconds(number),
            < 100_000_000_000_000 => DateTimeOffset.FromUnixTimeMilliseconds(number),
            _ => null,
        };
    }

    /// <summary>The id when it is bounded, printable text; null otherwise.</summary>
    public static string? Id(string? text) =>
        text is { Length: > 0 and <= MaxIdBytes } // a char is at least one byte: saves counting the obviously long
        && Encoding.UTF8.GetByteCount(text) <= MaxIdBytes
        && !text.AsSpan().ContainsAnyInRange('\u0000', '\u001f') && !text.Contains('\u007f')
            ? text
            : null;

    /// <summary>A URL as a link id: itself when it is a bounded id, else a digest of it (distinct URLs stay distinct).</summary>
    private static string UrlLink(string pathAndQuery) =>
        Id(pathAndQuery) ?? "url:" + Fingerprinting.ShortDigest.Of(pathAndQuery);

    /// <summary>Longest path and query a pattern reads: an id layout's URL is short, and a longer one is not worth the CPU.</summary>
    public const int MaxPatternInput = 4096;

    private static Func<string, string?>? Groups(Regex pattern, string text)
    {
        if (text.Length > MaxPatternInput)
        {
            return null;
        }

        var queryStart = text.IndexOf('?') is var question and >= 0 ? question : text.Length;
        Match match;
        try
        {
            match = pattern.Match(text);
        }
        catch (RegexMatchTimeoutException)
        {
            return null; // a URL built to make the pattern backtrack has no identity
        }

        if (!match.Success)
        {
            return null;
        }

        return name => match.Groups[name] is { Success: true } group ? group.Index >= queryStart ? Unescape(group.Value) : group.Value : null;
    }

    // The path arrives decoded already; groups over the query see it as sent, and ids are compared decoded, as route values
    // and query parameters are.
    private static string Unescape(string text) => Uri.UnescapeDataString(text); // leaves a malformed escape as it is; never throws
}
