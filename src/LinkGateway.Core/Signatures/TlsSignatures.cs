using System.Collections.Frozen;
using LinkGateway.Fingerprinting;

namespace LinkGateway.Signatures;

/// <summary>
/// What the TLS ClientHello can tell: JA4 fingerprints of HTTP libraries and tools (kind "tls-client"), and the
/// JA4 cipher hashes (part b) that Chromium's TLS stack sends (kind "tls-browser"), which stay the same across its
/// versions while the extension hash moves. Tools match on parts b and c (ciphers, extensions and signature
/// algorithms): part a also counts SNI and ALPN, which one tool sends or not depending on the URL and options.
/// </summary>
public sealed class TlsSignatures(IEnumerable<string> toolJa4s, IEnumerable<string> chromiumCipherHashes)
{
    private const int PartA = 11; // "t13d1516h2_"

    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _tools =
        toolJa4s.Select(ja4 => ja4[PartA..]).ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();
    private readonly FrozenSet<string>.AlternateLookup<ReadOnlySpan<char>> _chromium =
        chromiumCipherHashes.ToFrozenSet(StringComparer.Ordinal).GetAlternateLookup<ReadOnlySpan<char>>();

    public static TlsSignatures Empty { get; } = new([], []);

    /// <summary>False when no Chromium cipher hash is loaded: then no ClientHello can be called a mismatch.</summary>
    public bool KnowsChromium => _chromium.Set.Count > 0;

    public bool IsToolClientHello(string ja4) => ja4.Length > PartA && _tools.Contains(ja4.AsSpan(PartA));

    public bool IsChromiumClientHello(string ja4) => _chromium.Contains(Ja4.CipherHash(ja4));
}
