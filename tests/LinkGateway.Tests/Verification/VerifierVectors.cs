using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using LinkGateway.Signing;

namespace LinkGateway.Verification;

/// <summary>One case of src/verifiers/test-vectors.json: a request as an origin receives it, the key it holds, and what it must conclude.</summary>
public sealed record VerifierVector(string Name, string Key, string Method, string Target, long Now, IReadOnlyDictionary<string, string> Headers, string Expected)
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string KeyRefused = "key-refused";

    public bool KeyUsable => Expected != KeyRefused;
}

/// <summary>
/// The test vectors every origin verifier (C# and src/verifiers/*) is run against, generated here by the gateway's own
/// signer (<see cref="BotHeaderSignature"/>) so they can never disagree with it. The checked-in file must be exactly
/// <see cref="Json"/>: OriginVerifierTests.VectorFile_IsWhatTheSignerGenerates fails otherwise, and rewrites it when
/// LINKGATEWAY_WRITE_VECTORS=1 is set.
/// </summary>
public static class VerifierVectors
{
    public static string FilePath => Path.Combine(RepoFiles.Root, "src", "verifiers", "test-vectors.json");

    private const long SignedAt = 1795395119;
    private const string Click = "/c/m-1/r-1/l-1?t=1795395119";
    private const string Reasons = "ua.library,hdr.accept-any";

    // Fixed, so the file is the same at every generation; the base64 of the first holds '+' and '/' (for the base64url case).
    private static readonly byte[] _key = SHA256.HashData("LinkGateway verifier test vectors"u8);
    private static readonly byte[] _longKey = SHA512.HashData("LinkGateway verifier test vectors"u8);

    private static readonly string[] _headerOrder =
        [BotHeaderNames.Score, BotHeaderNames.Verdict, BotHeaderNames.Reasons, BotHeaderNames.Degraded, BotHeaderNames.Timestamp, BotHeaderNames.Signature];

    public static IReadOnlyList<VerifierVector> All()
    {
        var key = Convert.ToBase64String(_key);
        var hex = Convert.ToHexStringLower(_key);
        return
        [
            // Accepted as signed.
            Case("valid: a click judged bot", VerifierVector.Valid),
            Case("valid: a person with no reasons (empty X-Bot-Reasons)", VerifierVector.Valid, score: 3, verdict: "human", reasons: ""),
            Case("valid: X-Bot-Reasons absent reads as empty", VerifierVector.Valid, score: 3, verdict: "human", reasons: "", change: h => h.Remove(BotHeaderNames.Reasons)),
            Case("valid: degraded (store unavailable)", VerifierVector.Valid, score: 62, verdict: "suspect", reasons: "ua.library", degraded: "store-unavailable"),
            Case("valid: RFC 8058 one-click POST", VerifierVector.Valid, method: "POST", target: "/u/m-1/r-1", score: 71, verdict: "suspect", reasons: "net.vendor"),
            Case("valid: HEAD of an open pixel", VerifierVector.Valid, method: "HEAD", target: "/o/m-1/r-1", reasons: "method.head"),
            Case("valid: no query", VerifierVector.Valid, target: "/c/m-1/r-1/l-1"),
            Case("valid: empty query (a lone ?)", VerifierVector.Valid, target: "/c/m-1/r-1/l-1?"),
            Case("valid: %2F in the path, kept encoded", VerifierVector.Valid, target: "/c/m-1/r-1/a%2Fb"),
            Case("valid: %2f in lower case in the query", VerifierVector.Valid, target: "/c/m-1/r-1/l-1?next=%2fhome"),
            Case("valid: %25 escapes (%25zz, %2541)", VerifierVector.Valid, target: "/c/m-1/r-1/l-1?a=%25zz&b=%2541"),
            Case("valid: %252F (the gateway's forwarder re-escapes an encoded slash)", VerifierVector.Valid, target: "/c/m-1/r-1/a%252Fb"),
            Case("valid: + and %2B in the query", VerifierVector.Valid, target: "/c/m-1/r-1/l-1?q=a+b&r=%2B"),
            Case("valid: percent-encoded UTF-8", VerifierVector.Valid, target: "/c/m-1/r-1/caf%C3%A9?q=%E4%B8%AD"),
            Case("valid: raw UTF-8 in the target (signed as UTF-8 bytes)", VerifierVector.Valid, target: "/c/m-1/r-1/caf\u00e9?q=\u4e2d"),
            Case("valid: escaped quote, angle brackets and braces", VerifierVector.Valid, target: "/c/m-1/r-1/l-1?d=%22%3C%3E%7B%7D%7C"),
            Case("valid: repeated slashes", VerifierVector.Valid, target: "//c//m-1///r-1/l-1"),
            Case($"valid: signed {BotHeaderVerifier.MaxAgeSeconds} s ago (the oldest accepted)", VerifierVector.Valid, nowOffset: BotHeaderVerifier.MaxAgeSeconds),
            Case($"valid: signed {BotHeaderVerifier.MaxAheadSeconds} s ahead (the clock skew accepted)", VerifierVector.Valid, nowOffset: -BotHeaderVerifier.MaxAheadSeconds),
            Case("valid: a 64-byte key", VerifierVector.Valid, signingKey: _longKey),
            Case("valid: key text with a trailing newline (as openssl rand -base64 32 writes it)", VerifierVector.Valid, keyText: key + "\n"),

            // Too old or too new.
            Case($"invalid: signed {BotHeaderVerifier.MaxAgeSeconds + 1} s ago", VerifierVector.Invalid, nowOffset: BotHeaderVerifier.MaxAgeSeconds + 1),
            Case("invalid: signed a day ago (a replay)", VerifierVector.Invalid, nowOffset: 86_400),
            Case($"invalid: signed {BotHeaderVerifier.MaxAheadSeconds + 1} s ahead", VerifierVector.Invalid, nowOffset: -(BotHeaderVerifier.MaxAheadSeconds + 1)),
            Case("invalid: signed an hour ahead", VerifierVector.Invalid, nowOffset: -3_600),

            // A signed field changed on the way.
            Case("invalid: score tampered", VerifierVector.Invalid, change: h => h[BotHeaderNames.Score] = "5"),
            Case("invalid: verdict tampered", VerifierVector.Invalid, change: h => h[BotHeaderNames.Verdict] = "human"),
            Case("invalid: reasons reordered", VerifierVector.Invalid, change: h => h[BotHeaderNames.Reasons] = "hdr.accept-any,ua.library"),
            Case("invalid: reasons removed", VerifierVector.Invalid, change: h => h.Remove(BotHeaderNames.Reasons)),
            Case("invalid: degraded added", VerifierVector.Invalid, change: h => h[BotHeaderNames.Degraded] = "store-unavailable"),
            Case("invalid: degraded removed", VerifierVector.Invalid, degraded: "store-unavailable", change: h => h.Remove(BotHeaderNames.Degraded)),
            Case("invalid: timestamp tampered", VerifierVector.Invalid, change: h => h[BotHeaderNames.Timestamp] = (SignedAt + 1).ToString(CultureInfo.InvariantCulture)),
            Case("invalid: method tampered (signed GET, received POST)", VerifierVector.Invalid, requestMethod: "POST"),
            Case("invalid: path tampered (another link)", VerifierVector.Invalid, requestTarget: "/c/m-1/r-1/l-2?t=1795395119"),
            Case("invalid: query tampered", VerifierVector.Invalid, requestTarget: "/c/m-1/r-1/l-1?t=1795395120"),
            Case("invalid: %2F decoded to / (verified against a decoded path)", VerifierVector.Invalid, target: "/c/m-1/r-1/a%2Fb", requestTarget: "/c/m-1/r-1/a/b"),
            Case("invalid: %2F spelled %2f", VerifierVector.Invalid, target: "/c/m-1/r-1/a%2Fb", requestTarget: "/c/m-1/r-1/a%2fb"),
            Case("invalid: + read as %20", VerifierVector.Invalid, target: "/c/m-1/r-1/l-1?q=a+b", requestTarget: "/c/m-1/r-1/l-1?q=a%20b"),
            Case("invalid: empty query dropped", VerifierVector.Invalid, target: "/c/m-1/r-1/l-1?", requestTarget: "/c/m-1/r-1/l-1"),
            Case("invalid: repeated slashes merged", VerifierVector.Invalid, target: "//c//m-1///r-1/l-1", requestTarget: "/c/m-1/r-1/l-1"),
            Case("invalid: percent-encoded UTF-8 decoded", VerifierVector.Invalid, target: "/c/m-1/r-1/caf%C3%A9", requestTarget: "/c/m-1/r-1/caf\u00e9"),
            Case("invalid: signed with another key", VerifierVector.Invalid, signingKey: _longKey, keyText: key),
            Case("invalid: signature altered", VerifierVector.Invalid, change: h => h[BotHeaderNames.Signature] = Altered(h[BotHeaderNames.Signature])),

            // Spellings the gateway never writes.
            Case("invalid: score with a leading zero", VerifierVector.Invalid, change: h => h[BotHeaderNames.Score] = "094"),
            Case("invalid: score with a sign", VerifierVector.Invalid, change: h => h[BotHeaderNames.Score] = "+94"),
            Case("invalid: timestamp with a leading zero", VerifierVector.Invalid, change: h => h[BotHeaderNames.Timestamp] = "0" + h[BotHeaderNames.Timestamp]),
            Case("invalid: timestamp with a fraction", VerifierVector.Invalid, change: h => h[BotHeaderNames.Timestamp] += ".0"),
            Case("invalid: version prefix v2=", VerifierVector.Invalid, change: h => h[BotHeaderNames.Signature] = "v2=" + h[BotHeaderNames.Signature][3..]),
            Case("invalid: version prefix in upper case (V1=)", VerifierVector.Invalid, change: h => h[BotHeaderNames.Signature] = "V1=" + h[BotHeaderNames.Signature][3..]),
            Case("invalid: no version prefix", VerifierVector.Invalid, change: h => h[BotHeaderNames.Signature] = h[BotHeaderNames.Signature][3..]),
            Case("invalid: signature base64 without padding", VerifierVector.Invalid, change: h => h[BotHeaderNames.Signature] = h[BotHeaderNames.Signature].TrimEnd('=')),
            Case("invalid: signature in base64url", VerifierVector.Invalid, signingKey: _longKey, keyText: Convert.ToBase64String(_longKey), target: "/c/m-1/r-1/l-7",
                change: h => h[BotHeaderNames.Signature] = UrlSafe(h[BotHeaderNames.Signature])),
            Case("invalid: empty signature", VerifierVector.Invalid, change: h => h[BotHeaderNames.Signature] = ""),

            // Headers missing.
            Case("invalid: X-Bot-Signature missing", VerifierVector.Invalid, change: h => h.Remove(BotHeaderNames.Signature)),
            Case("invalid: X-Bot-Timestamp missing", VerifierVector.Invalid, change: h => h.Remove(BotHeaderNames.Timestamp)),
            Case("invalid: X-Bot-Score missing", VerifierVector.Invalid, change: h => h.Remove(BotHeaderNames.Score)),
            Case("invalid: X-Bot-Verdict missing", VerifierVector.Invalid, change: h => h.Remove(BotHeaderNames.Verdict)),
            Case("invalid: no X-Bot-* header at all", VerifierVector.Invalid, change: h => h.Clear()),

            // Keys every verifier refuses before it verifies anything.
            Case("key refused: 32 bytes as hex (also valid base64 of 48 other bytes)", VerifierVector.KeyRefused, keyText: hex),
            Case("key refused: 32 bytes as upper-case hex", VerifierVector.KeyRefused, keyText: hex.ToUpperInvariant()),
            Case("key refused: base64 of 16 bytes", VerifierVector.KeyRefused, keyText: Convert.ToBase64String(_key.AsSpan(0, 16))),
            Case("key refused: base64 of 31 bytes", VerifierVector.KeyRefused, keyText: Convert.ToBase64String(_key.AsSpan(0, 31))),
            Case("key refused: base64url alphabet", VerifierVector.KeyRefused, keyText: UrlSafe(key)),
            Case("key refused: base64 without padding", VerifierVector.KeyRefused, keyText: key.TrimEnd('=')),
            Case("key refused: whitespace inside the base64", VerifierVector.KeyRefused, keyText: key[..20] + " " + key[20..]),
            Case("key refused: not base64 (a passphrase)", VerifierVector.KeyRefused, keyText: "correct horse battery staple, shared"),
            Case("key refused: empty", VerifierVector.KeyRefused, keyText: ""),
            Case("key refused: only whitespace", VerifierVector.KeyRefused, keyText: "  \n"),
        ];
    }

    /// <summary>The vector file's text: UTF-8, two-space indented, one trailing newline.</summary>
    public static string Json()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            json.WriteString("about", "Test vectors for verifiers of the gateway's X-Bot-* headers (docs/reference/header-contract.md#verifiers). "
                                      + "Generated by the gateway's signer (tests/LinkGateway.Tests/Verification/VerifierVectors.cs); do not edit: "
                                      + "LINKGATEWAY_WRITE_VECTORS=1 dotnet test tests/LinkGateway.Tests -c Release --filter VectorFile_IsWhatTheSignerGenerates");
            json.WriteString("canonical", "v1\n{X-Bot-Score}\n{X-Bot-Verdict}\n{X-Bot-Reasons, or empty}\n{X-Bot-Degraded, or empty}\n{METHOD, upper case}\n{raw request target}\n{X-Bot-Timestamp}");
            json.WriteNumber("maxAgeSeconds", BotHeaderVerifier.MaxAgeSeconds);
            json.WriteNumber("maxAheadSeconds", BotHeaderVerifier.MaxAheadSeconds);
            json.WriteStartArray("vectors");
            foreach (var vector in All())
            {
                json.WriteStartObject();
                json.WriteString("name", vector.Name);
                json.WriteString("key", vector.Key);
                json.WriteString("method", vector.Method);
                json.WriteString("target", vector.Target);
                json.WriteNumber("now", vector.Now);
                json.WriteStartObject("headers");
                foreach (var (name, value) in vector.Headers.OrderBy(h => Array.IndexOf(_headerOrder, h.Key)))
                {
                    json.WriteString(name, value);
                }

                json.WriteEndObject();
                json.WriteString("expected", vector.Expected);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>The vectors as the checked-in file holds them (what every verifier reads).</summary>
    public static IReadOnlyList<VerifierVector> ReadFile()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(FilePath));
        return [.. document.RootElement.GetProperty("vectors").EnumerateArray().Select(v => new VerifierVector(
            v.GetProperty("name").GetString()!,
            v.GetProperty("key").GetString()!,
            v.GetProperty("method").GetString()!,
            v.GetProperty("target").GetString()!,
            v.GetProperty("now").GetInt64(),
            v.GetProperty("headers").EnumerateObject().ToDictionary(h => h.Name, h => h.Value.GetString()!, StringComparer.OrdinalIgnoreCase),
            v.GetProperty("expected").GetString()!))];
    }

    /// <summary>A request signed as the gateway signs it, then changed by <paramref name="change"/> or received as <paramref name="requestMethod"/> <paramref name="requestTarget"/>.</summary>
    private static VerifierVector Case(string name, string expected, string method = "GET", string target = Click, int score = 94, string verdict = "bot",
        string reasons = Reasons, string? degraded = null, long nowOffset = 0, byte[]? signingKey = null, string? keyText = null,
        Action<Dictionary<string, string>>? change = null, string? requestMethod = null, string? requestTarget = null)
    {
        var signer = new BotHeaderSignature(signingKey ?? _key);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [BotHeaderNames.Score] = score.ToString(CultureInfo.InvariantCulture),
            [BotHeaderNames.Verdict] = verdict,
            [BotHeaderNames.Reasons] = reasons,
            [BotHeaderNames.Timestamp] = SignedAt.ToString(CultureInfo.InvariantCulture),
            [BotHeaderNames.Signature] = signer.Sign(score, verdict, reasons, degraded, method, target, SignedAt),
        };
        if (degraded is not null)
        {
            headers[BotHeaderNames.Degraded] = degraded;
        }

        change?.Invoke(headers);
        return new VerifierVector(name, keyText ?? Convert.ToBase64String(signingKey ?? _key), requestMethod ?? method, requestTarget ?? target,
            SignedAt + nowOffset, headers, expected);
    }

    // One base64 character replaced by another: a different MAC of the same length and spelling.
    private static string Altered(string signature) => signature[..10] + (signature[10] == 'A' ? 'B' : 'A') + signature[11..];

    private static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');
}
