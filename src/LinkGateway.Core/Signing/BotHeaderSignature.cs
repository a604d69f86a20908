using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace LinkGateway.Signing;

/// <summary>
/// The HMAC-SHA256 over the verdict headers that lets an origin check that the gateway, not a client,
/// set them. One implementation for both sides: the gateway signs with it, the demo origin and the
/// tests verify with it, and docs/reference/header-contract.md documents the same canonical string for other languages:
/// <code>v1\n{score}\n{verdict}\n{reasons}\n{degraded}\n{METHOD}\n{path-and-query}\n{timestamp}</code>
/// The header value is <c>v1=</c> followed by the base64 of the MAC.
/// </summary>
public sealed class BotHeaderSignature
{
    public const string Prefix = "v1=";
    public const int MinimumKeyBytes = 32;

    private readonly byte[] _key;

    public BotHeaderSignature(byte[] key)
    {
        if (key.Length < MinimumKeyBytes)
        {
            throw new ArgumentException($"The signing key must be at least {MinimumKeyBytes} bytes.", nameof(key));
        }

        _key = key.ToArray();
    }

    /// <summary>Parses a base64 key; null with a reason when it is not usable.</summary>
    public static byte[]? TryParseKey(string? base64, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(base64))
        {
            problem = "missing";
            return null;
        }

        try
        {
            var key = Convert.FromBase64String(base64.Trim());
            if (key.Length < MinimumKeyBytes)
            {
                problem = $"too short: {key.Length} bytes, needs at least {MinimumKeyBytes}";
                return null;
            }

            return key;
        }
        catch (FormatException)
        {
            problem = "not base64";
            return null;
        }
    }

    public string Sign(int score, string verdict, string reasons, string? degraded, string method, string pathAndQuery, long timestamp)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(score, verdict, reasons, degraded, method, pathAndQuery, timestamp, mac);
        return Prefix + Convert.ToBase64String(mac);
    }

    public bool Verify(string signature, int score, string verdict, string reasons, string? degraded, string method, string pathAndQuery, long timestamp)
    {
        if (!TryReadMac(signature, out var given))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(score, verdict, reasons, degraded, method, pathAndQuery, timestamp, expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static bool TryReadMac(string signature, out byte[] mac)
    {
        mac = new byte[HMACSHA256.HashSizeInBytes];
        return signature.StartsWith(Prefix, StringComparison.Ordinal)
               && Convert.TryFromBase64String(signature[Prefix.Length..], mac, out var written) && written == mac.Length;
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
        if (!TryReadMac(signature, out var given))
        {
            return false;
        }

        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Compute(WebhookCanonicalString(method, pathAndQuery, timestamp, BodyDigest(body)), expected);
        return CryptographicOperations.FixedTimeEquals(given, expected);
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
