using System.Text.RegularExpressions;
using LinkGateway.Links;
using LinkGateway.Signing;

namespace LinkGateway.Guard;

public sealed class SignaturesOptions
{
    /// <summary>Folder of signature data files, relative to the configuration file's folder. Default "signatures".</summary>
    public string Path { get; set; } = "signatures";
}

/// <summary>The verdict thresholds; <see cref="Scoring.ScoringPolicy.Problems"/> holds their rules (ranges, order) with the weights'.</summary>
public sealed class ThresholdOptions
{
    /// <summary>Scores from here are "suspect".</summary>
    public int Suspect { get; set; } = Scoring.ScoringPolicy.DefaultSuspectThreshold;

    /// <summary>Scores from here are "bot".</summary>
    public int Bot { get; set; } = Scoring.ScoringPolicy.DefaultBotThreshold;
}

/// <summary>How a token is written (LinkGateway:Identity:TokenFormat).</summary>
public enum TokenFormat : byte
{
    /// <summary>Base64url of a JSON object (the default).</summary>
    Json,
    /// <summary>A JSON Web Token signed with HS256 or ES256 by one of the configured Keys.</summary>
    Jwt,
    /// <summary>Base64 of text read by TokenPattern's named groups (e.g. a PHP-serialized array).</summary>
    Text,
}

/// <summary>What stands in for a send time the link does not carry (LinkGateway:Identity:SentAtFallback).</summary>
public enum SentAtFallback : byte
{
    /// <summary>Nothing: timing.fast cannot fire, and every request counts as at delivery.</summary>
    None,
    /// <summary>The first time any node saw the message, kept in the store for the tag lifetime.</summary>
    FirstSeen,
}

/// <summary>A key that signs JWT link tokens (LinkGateway:Identity:Keys:KID).</summary>
public sealed class JwtKeyOptions
{
    /// <summary>HS256 or ES256.</summary>
    public string Algorithm { get; set; } = "";

    /// <summary>HS256: base64 of the shared secret (at least 32 bytes).</summary>
    public string? Secret { get; set; }

    /// <summary>ES256: the sender's P-256 public key, PEM ("-----BEGIN PUBLIC KEY-----…").</summary>
    public string? PublicKey { get; set; }

    /// <summary>ES256: a PEM file holding it, relative to the configuration file's folder.</summary>
    public string? PublicKeyFile { get; set; }
}

/// <summary>
/// How a link layout carries message, recipient, link and send time (docs/reference/configuration.md, "Link identity"):
/// LinkGateway:Identity for every route, LinkGateway:Identities:NAME for the routes whose Metadata "Identity" names it.
/// Each of MessageId, RecipientId, LinkId and SentAt names a value, looked up in the token's fields, then the Pattern's
/// groups, then the route values, then the query parameters.
/// </summary>
public sealed class IdentityOptions
{
    public string MessageId { get; set; } = "messageId";

    public string RecipientId { get; set; } = "recipientId";

    public string LinkId { get; set; } = "linkId";

    /// <summary>The send time, in unix seconds (or milliseconds). Default "t".</summary>
    public string SentAt { get; set; } = "t";

    /// <summary>A regular expression with named groups over the path and the query ("/track/(?&lt;messageId&gt;[^/]+)…").</summary>
    public string? Pattern { get; set; }

    /// <summary>The name of the value (route value, query parameter or Pattern group) that holds a token.</summary>
    public string? Token { get; set; }

    public TokenFormat TokenFormat { get; set; } = TokenFormat.Json;

    /// <summary>TokenFormat text: a regular expression with named groups over the decoded token.</summary>
    public string? TokenPattern { get; set; }

    /// <summary>TokenFormat jwt: the keys that may sign tokens, by their "kid".</summary>
    public Dictionary<string, JwtKeyOptions> Keys { get; set; } = new(StringComparer.Ordinal);

    public SentAtFallback SentAtFallback { get; set; } = SentAtFallback.None;

    /// <summary>The compiled layout, or null with every problem in <paramref name="errors"/>, each naming its key under <paramref name="section"/>.</summary>
    public IdentityProfile? Compile(string section, string configDirectory, List<string> errors)
    {
        var before = errors.Count;
        foreach (var (name, value) in new[] { ("MessageId", MessageId), ("RecipientId", RecipientId), ("LinkId", LinkId), ("SentAt", SentAt) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{section}:{name}: must name a route value, query parameter, pattern group or token field");
            }
        }

        string[] fields = [MessageId, RecipientId, LinkId, SentAt];
        var pattern = CompileRegex(section + ":Pattern", Pattern, Token is null ? fields : [.. fields, Token], errors);
        var tokenPattern = CompileRegex(section + ":TokenPattern", TokenPattern, fields, errors);
        LinkToken? token = null;
        if (Token is null)
        {
            foreach (var (key, set) in new[] { ("TokenFormat", TokenFormat != TokenFormat.Json), ("TokenPattern", TokenPattern is not null), ("Keys", Keys.Count > 0) })
            {
                if (set)
                {
                    errors.Add($"{section}:{key}: set without {section}:Token (name the route value or query parameter that holds the token)");
                }
            }
        }
        else if (string.IsNullOrWhiteSpace(Token))
        {
            errors.Add($"{section}:Token: must name a route value, query parameter or pattern group");
        }
        else
        {
            if (TokenFormat != TokenFormat.Text && TokenPattern is not null)
            {
                errors.Add($"{section}:TokenPattern: only read with TokenFormat text");
            }

            if (TokenFormat != TokenFormat.Jwt && Keys.Count > 0)
            {
                errors.Add($"{section}:Keys: only read with TokenFormat jwt");
            }

            token = TokenFormat switch
            {
                TokenFormat.Jwt => JwtKeys(section, configDirectory, errors) is { } keys ? LinkToken.Jwt(keys) : null,
                TokenFormat.Text when tokenPattern is null => Missing(errors, $"{section}:TokenPattern: required with TokenFormat text (a regular expression with named groups over the decoded token)"),
                TokenFormat.Text => LinkToken.Text(tokenPattern),
                _ => LinkToken.Json,
            };
        }

        return errors.Count > before
            ? null
            : new IdentityProfile(new IdentityFields(MessageId, RecipientId, LinkId, SentAt), pattern, Token, token, SentAtFallback == SentAtFallback.FirstSeen);
    }

    private static LinkToken? Missing(List<string> errors, string problem)
    {
        errors.Add(problem);
        return null;
    }

    /// <summary>The pattern, compiled; one of its named groups must be a name the layout reads (else every link reads as nothing).</summary>
    private static Regex? CompileRegex(string key, string? pattern, string[] names, List<string> errors)
    {
        if (pattern is null)
        {
            return null;
        }

        try
        {
            var regex = IdentityProfile.CompilePattern(pattern);
            var groups = regex.GetGroupNames().Where(name => !int.TryParse(name, out _)).ToList();
            if (groups.Count == 0)
            {
                errors.Add($"{key}: has no named group (write (?<messageId>…) and so on)");
            }
            else if (!groups.Intersect(names, StringComparer.Ordinal).Any())
            {
                errors.Add($"{key}: none of its groups ({string.Join(", ", groups)}) is a name the layout reads ({string.Join(", ", names.Distinct())})");
            }

            return regex;
        }
        catch (ArgumentException e)
        {
            errors.Add($"{key}: not a regular expression ({e.Message})");
            return null;
        }
    }

    private List<JwtKey>? JwtKeys(string section, string configDirectory, List<string> errors)
    {
        if (Keys.Count == 0)
        {
            errors.Add($"{section}:Keys: TokenFormat jwt needs at least one key (Keys:KID:Algorithm HS256 with Secret, or ES256 with PublicKey or PublicKeyFile)");
            return null;
        }

        var keys = new List<JwtKey>();
        foreach (var (id, options) in Keys)
        {
            var key = $"{section}:Keys:{id}";
            try
            {
                switch (options.Algorithm)
                {
                    case "HS256":
                        if (BotHeaderSignature.TryParseKey(options.Secret, out var problem) is { } secret)
                        {
                            keys.Add(JwtKey.Hs256(id, secret));
                        }
                        else
                        {
                            errors.Add($"{key}:Secret: {problem} (base64 of at least {JwtKey.MinimumSecretBytes} bytes)");
                        }

                        break;
                    case "ES256":
                        var pem = options.PublicKey
                                  ?? (options.PublicKeyFile is { } file ? File.ReadAllText(Path.GetFullPath(file, configDirectory)) : null);
                        if (pem is null)
                        {
                            errors.Add($"{key}: ES256 needs PublicKey (PEM) or PublicKeyFile");
                        }
                        else
                        {
                            keys.Add(JwtKey.Es256(id, pem));
                        }

                        break;
                    default:
                        errors.Add($"{key}:Algorithm: \"{options.Algorithm}\" is not allowed (allowed: HS256, ES256)");
                        break;
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or System.Security.Cryptography.CryptographicException)
            {
                errors.Add($"{key}: {e.Message}");
            }
        }

        return keys;
    }
}
