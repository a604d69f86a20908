using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace LinkGateway.Signing;

/// <summary>
/// The HMAC-SHA256 over the verdict headers that lets an origin check that the gateway, not a client,
/// set them. One implementation for both sides: the gateway signs with it, LinkGateway.Verifier (and through it the
/// demo origin) verifies with it, the test vectors for the verifiers in other languages (src/verifiers) are generated
/// with it, and docs/reference/header-contract.md documents the same canonical string:
/// <code>v1\n{score}\n{verdict}\n{reasons}\n{degraded}\n{METHOD}\n{path-and-query}\n{timestamp}</code>
/// The header value is <c>v1=</c> followed by the base64 of the MAC.
/// </summary>
public sealed class BotHeaderSignature
{
    public const string Prefix = "v1=";
    public const int MinimumKeyBytes = 32;

    // "v1=" and the base64 of 32 bytes (44 characters, padded).
    private const int SignatureLength = 47;

    private static readonly SearchValues<char> _base64Alphabet = SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");

    private readonly byte[] _key;

    public BotHeaderSignature(byte[] key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The signing key must be at least {MinimumKeyBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>
    /// Parses the key text: base64 (RFC 4648 §4 alphabet, padded; surrounding whitespace ignored) of at least
    /// <see cref="MinimumKeyBytes"/> bytes. Anything else is refused, hex above all: 64 hex digits also happen to be
    /// valid base64 (of 48 bytes), so a hex key would be taken silently as other bytes than the origin's. Every
    /// verifier under src/verifiers applies the same rule, checked by the shared test vectors.
    /// </summary>
    public static byte[]? TryParseKey(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "missing";
            return null;
        }

        var trimmed = text.Trim();
        if (trimmed.All(char.IsAsciiHexDigit))
        {
            problem = "hex digits, not base64: give the same bytes as base64";
            return null;
        }

        // Convert.FromBase64String would also skip whitespace inside the text; other languages' decoders differ there.
        var padding = trimmed.Length - trimmed.TrimEnd('=').Length;
        if (trimmed.Length % 4 != 0 || padding > 2 || trimmed.AsSpan(0, trimmed.Length - padding).ContainsAnyExcept(_base64Alphabet))
        {
            problem = "not base64";
            return null;
        }

        var key = Convert.FromBase64String(trimmed);
        if (key.Length < MinimumKeyBytes)
        {
            problem = $"too short: {key.Length} bytes, needs at least {MinimumKeyBytes}";
            return null;
        }

        return key;
    }

    public string Sign(int score, string verdict, string reasons, string? degraded, string method, string pathAndQuery, long timestamp)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(score, verdict, reasons, degraded, method, pathAndQuery, timestamp, mac);
        return Prefix + Convert.ToBase64String(mac);
    }

    /// <summary>
    /// True when <paramref name="signature"/> is exactly the header value <see cref="Sign"/> gives for these fields,
    /// compared in constant time as text, as every other verifier compares it (no other spelling of the base64 passes).
    /// </summary>
    public bool Verify(string signature, int score, string verdict, string reasons, string? degraded, string method, string pathAndQuery, long timestamp)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(score, verdict, reasons, degraded, method, pathAndQuery, timestamp, mac);
        return Matches(signature, mac);
    }

    /// <summary>Whether the header value is exactly <c>v1=</c> and the base64 of <paramref name="mac"/>, compared in constant time as text.</summary>
    private static bool Matches(string signature, ReadOnlySpan<byte> mac)
    {
        if (signature.Length != SignatureLength)
        {
            return false;
        }

        Span<char> expected = stackalloc char[SignatureLength];
        Prefix.CopyTo(expected);
        Convert.TryToBase64Chars(mac, expected[Prefix.Length..], out _);
        return CryptographicOperations.FixedTimeEquals(MemoryMarshal.AsBytes(expected), MemoryMarshal.AsBytes(signature.AsSpan()));
    }

    /// <summary>
    /// Signs a fold-back webhook POST: the same key, HMAC-SHA256 and <c>v1=</c> value as the verdict headers, over
    /// <see cref="WebhookCanonicalString"/>. Its first line differs from the verdict's, so neither signature can ever be
    /// passed off as the other.
    /// </summary>
    public string SignWebhook(string method, string pathAndQuery, long timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(WebhookCanonicalString(method, pathAndQuery, timestamp, BodyDigest(body)), mac);
        return Prefix + Convert.ToBase64String(mac);
    }

    /// <summary>Checks a fold-back webhook's <c>X-Bot-Signature</c> against the request as the receiver got it.</summary>
    public bool VerifyWebhook(string signature, string method, string pathAndQuery, long timestamp, ReadOnlySpan<byte> body)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(WebhookCanonicalString(method, pathAndQuery, timestamp, BodyDigest(body)), mac);
        return Matches(signature, mac);
    }

    /// <summary><c>v1-webhook\n{METHOD}\n{path-and-query}\n{timestamp}\n{base64 SHA-256 of the body}</c></summary>
    public static string WebhookCanonicalString(string method, string pathAndQuery, long timestamp, string bodyDigest) =>
        $"v1-webhook\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}\n{bodyDigest}";

    /// <summary>The base64 of the SHA-256 of the body's bytes.</summary>
    public static string BodyDigest(ReadOnlySpan<byte> body) => Convert.ToBase64String(SHA256.HashData(body));

    public static string CanonicalString(int score, string verdict, string reasons, string? degraded, string method, string pathAndQuery, long timestamp) =>
        $"v1\n{score}\n{verdict}\n{reasons}\n{degraded}\n{method.ToUpperInvariant()}\n{pathAndQuery}\n{timestamp}";

    private void Compute(int score, string verdict, string reasons, string? degraded, string method, string pathAndQuery, long timestamp, Span<byte> mac) =>
        Compute(CanonicalString(score, verdict, reasons, degraded, method, pathAndQuery, timestamp), mac);

    private void Compute(string text, Span<byte> mac)
    {
        var length = Encoding.UTF8.GetMaxByteCount(text.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = Encoding.UTF8.GetBytes(text, rented);
            HMACSHA256.HashData(_key, rented.AsSpan(0, written), mac);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
