using System.Buffers.Text;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LinkGateway.Links;

/// <summary>
/// Opens a link's token: the fields it carries, or null when it is not a token of this kind. Anyone can write any URL, so
/// a token only ever groups requests (<see cref="LinkIdentity"/>); a token that does not open gives no identity, and the
/// request is still forwarded and judged.
/// </summary>
public abstract class LinkToken
{
    /// <summary>Longest token read, in characters: a URL may be long, a token that identifies a send is not.</summary>
    public const int MaxLength = 4096;

    /// <summary>The token's fields by name, or null when it does not open.</summary>
    public Func<string, string?>? Open(string? token) => token is { Length: > 0 and <= MaxLength } ? OpenBounded(token) : null;

    protected abstract Func<string, string?>? OpenBounded(string token);

    /// <summary>Base64url (RFC 4648 §5, padding optional) of a JSON object: <c>{"m": "…", "r": "…", "l": "…", "t": 1767225600}</c>.</summary>
    public static LinkToken Json { get; } = new JsonToken();

    /// <summary>Base64 or base64url of text that <paramref name="pattern"/> reads with named groups (e.g. a PHP-serialized array).</summary>
    public static LinkToken Text(Regex pattern) => new TextToken(pattern);

    /// <summary>A JSON Web Token (RFC 7519) signed with HS256 or ES256 by one of <paramref name="keys"/>; claims are its fields.</summary>
    public static LinkToken Jwt(IReadOnlyList<JwtKey> keys) => new JwtToken(keys);

    /// <summary>A JSON object's members as text: strings as they are, numbers as written; other values are no field.</summary>
    internal static Func<string, string?>? Fields(ReadOnlyMemory<byte> json)
    {
        // A token is anyone's bytes: not UTF-8, or a string escaping a lone surrogate ("\ud800"), is no token, never an error.
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 8 });
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }

            var fields = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var member in document.RootElement.EnumerateObject())
            {
                var text = member.Value.ValueKind switch
                {
                    JsonValueKind.String => member.Value.GetString(),
                    JsonValueKind.Number => member.Value.GetRawText(),
                    _ => null,
                };
                if (text is not null)
                {
                    fields[member.Name] = text; // the last of duplicate names, as most JSON readers do
                }
            }

            return name => fields.GetValueOrDefault(name);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Base64url or standard base64, padded or not; null when it is neither.</summary>
    internal static byte[]? DecodeBase64(string text)
    {
        var unpadded = text.Replace('-', '+').Replace('_', '/').TrimEnd('=');
        var padding = (4 - (unpadded.Length % 4)) % 4; // two '=' after 2 characters, one after 3; no base64 leaves 1
        if (padding == 3)
        {
            return null;
        }

        var bytes = new byte[((unpadded.Length + padding) / 4 * 3) - padding];
        return Convert.TryFromBase64String(unpadded + new string('=', padding), bytes, out var written)
            ? written == bytes.Length ? bytes : bytes[..written] // shorter only when the text held white space, which base64 skips
            : null;
    }

    private sealed class JsonToken : LinkToken
    {
        protected override Func<string, string?>? OpenBounded(string token) => DecodeBase64(token) is { } json ? Fields(json) : null;
    }

    private sealed class TextToken(Regex pattern) : LinkToken
    {
        protected override Func<string, string?>? OpenBounded(string token)
        {
            if (DecodeBase64(token) is not { } bytes)
            {
                return null;
            }

            string text;
            try
            {
                text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                return null;
            }

            Match match;
            try
            {
                match = pattern.Match(text);
            }
            catch (RegexMatchTimeoutException)
            {
                return null; // a token built to make the pattern backtrack opens nothing
            }

            return match.Success ? name => match.Groups[name] is { Success: true } group ? group.Value : null : null;
        }
    }

    private sealed class JwtToken(IReadOnlyList<JwtKey> keys) : LinkToken
    {
        protected override Func<string, string?>? OpenBounded(string token)
        {
            var parts = token.Split('.');
            if (parts.Length != 3 || DecodeBase64Url(parts[0]) is not { } headerBytes || DecodeBase64Url(parts[1]) is not { } payload
                || DecodeBase64Url(parts[2]) is not { } signature || Fields(headerBytes) is not { } header)
            {
                return null;
            }

            // The algorithm is the key's, never the token's: a token saying "none", or HS256 against an ES256 key's public
            // bytes, is refused (RFC 8725 §3.1). The header only picks among the configured keys.
            var algorithm = header("alg");
            var keyId = header("kid");
            var signed = Encoding.ASCII.GetBytes(string.Concat(parts[0], ".", parts[1]));
            foreach (var key in keys)
            {
                if (key.Algorithm == algorithm && (keyId is null || key.Id is null || key.Id == keyId) && key.Verifies(signed, signature))
                {
                    return Fields(payload);
                }
            }

            return null;
        }

        // JWS uses base64url without padding (RFC 7515 §2); anything else is not a JWT.
        private static byte[]? DecodeBase64Url(string part) =>
            part.Length > 0 && part.AsSpan().IndexOfAny('+', '/', '=') < 0 && Base64Url.IsValid(part) ? Base64Url.DecodeFromChars(part) : null;
    }
}

/// <summary>A key that may sign link tokens: HS256 with a shared secret, or ES256 with the sender's P-256 public key.</summary>
public sealed class JwtKey
{
    private readonly byte[]? _secret;
    private readonly ECDsa? _publicKey;

    private JwtKey(string? id, string algorithm, byte[]? secret, ECDsa? publicKey)
    {
        Id = id;
        Algorithm = algorithm;
        _secret = secret;
        _publicKey = publicKey;
    }

    /// <summary>The "kid" a token names this key by, if the sender names keys.</summary>
    public string? Id { get; }

    /// <summary>"HS256" or "ES256".</summary>
    public string Algorithm { get; }

    /// <summary>Shortest HS256 secret: the hash's size (RFC 7518 §3.2).</summary>
    public const int MinimumSecretBytes = 32;

    public static JwtKey Hs256(string? id, byte[] secret) =>
        secret.Length >= MinimumSecretBytes ? new JwtKey(id, "HS256", secret, null) : throw new ArgumentException($"an HS256 secret needs at least {MinimumSecretBytes} bytes");

    /// <summary>An ES256 key from a PEM public key ("-----BEGIN PUBLIC KEY-----"); it must be on P-256.</summary>
    public static JwtKey Es256(string? id, string pem)
    {
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(pem);
            if (key.KeySize != 256)
            {
                throw new ArgumentException($"an ES256 key is on P-256; this one has {key.KeySize.ToString(CultureInfo.InvariantCulture)} bits");
            }

            return new JwtKey(id, "ES256", null, key);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }

    internal bool Verifies(byte[] signed, byte[] signature)
    {
        if (_secret is not null)
        {
            return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_secret, signed), signature);
        }

        // JWS ES256 signatures are R || S, 64 bytes (RFC 7518 §3.4), which is .NET's IEEE P1363 format.
        return signature.Length == 64 && _publicKey!.VerifyData(signed, signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
    }
}
