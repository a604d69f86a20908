using LinkGateway.Signing;

namespace LinkGateway.Verification;

/// <summary>
/// The origin's check of the gateway's X-Bot-* headers: the signature over exactly what arrived (method and raw request
/// target), and a timestamp no older than <see cref="MaxAgeSeconds"/> and no further ahead than
/// <see cref="MaxAheadSeconds"/> (a replayed request keeps its headers). The same rules as the verifiers in other
/// languages under src/verifiers, all checked against src/verifiers/test-vectors.json.
/// </summary>
public sealed class BotHeaderVerifier
{
    public const int MaxAgeSeconds = 300;
    public const int MaxAheadSeconds = 60;

    private readonly BotHeaderSignature _signature;

    private BotHeaderVerifier(byte[] key) => _signature = new BotHeaderSignature(key);

    /// <summary>The verifier for the gateway's <c>LinkGateway:Signing:Key</c>: base64 of at least 32 bytes; anything else (hex above all) is refused.</summary>
    /// <exception cref="ArgumentException">The key is refused; the message says why.</exception>
    public static BotHeaderVerifier FromBase64Key(string? key) =>
        new(BotHeaderSignature.TryParseKey(key, out var problem)
            ?? throw new ArgumentException($"The signing key is refused: {problem} (base64 of at least {BotHeaderSignature.MinimumKeyBytes} bytes, the gateway's LinkGateway:Signing:Key).", nameof(key)));

    /// <param name="header">The single value of a request header by name, or null when it is absent.</param>
    /// <param name="method">The request's method.</param>
    /// <param name="rawTarget">The request target exactly as it arrived (path and query, percent-encoded as on the wire), never a decoded path.</param>
    /// <param name="now">Unix seconds now.</param>
    public BotVerdict Verify(Func<string, string?> header, string method, string rawTarget, long now)
    {
        var signature = header(BotHeaderNames.Signature);
        var scoreText = header(BotHeaderNames.Score);
        var verdict = header(BotHeaderNames.Verdict);
        var timestampText = header(BotHeaderNames.Timestamp);
        if (signature is null && scoreText is null && verdict is null && timestampText is null)
        {
            return BotVerdict.Unverified(BotVerdict.Unsigned);
        }

        if (signature is null || scoreText is null || verdict is null || timestampText is null)
        {
            return BotVerdict.Unverified(BotVerdict.Incomplete);
        }

        // Only the spelling the gateway writes: "094" or "+94" would otherwise verify as 94 here and not elsewhere.
        if (!TryReadDecimal(scoreText, 3, out var score) || !TryReadDecimal(timestampText, 12, out var timestamp))
        {
            return BotVerdict.Unverified(BotVerdict.Malformed);
        }

        var age = now - timestamp;
        if (age > MaxAgeSeconds)
        {
            return BotVerdict.Unverified(BotVerdict.Expired);
        }

        if (age < -MaxAheadSeconds)
        {
            return BotVerdict.Unverified(BotVerdict.Future);
        }

        var reasons = header(BotHeaderNames.Reasons) ?? string.Empty;
        var degraded = header(BotHeaderNames.Degraded);
        return _signature.Verify(signature, (int)score, verdict, reasons, degraded, method, rawTarget, timestamp)
            ? BotVerdict.Trusted((int)score, verdict, reasons, !string.IsNullOrEmpty(degraded), timestamp)
            : BotVerdict.Unverified(BotVerdict.Mismatch);
    }

    /// <summary>Digits only, no sign, no leading zero (but "0"), at most <paramref name="maxDigits"/>.</summary>
    private static bool TryReadDecimal(string text, int maxDigits, out long value)
    {
        value = 0;
        if (text.Length is 0 || text.Length > maxDigits || (text[0] == '0' && text.Length > 1))
        {
            return false;
        }

        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return true;
    }
}
