using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace LinkGateway.Fingerprinting;

/// <summary>
/// The JA4 fingerprint of a TLS ClientHello, computed as the FoxIO JA4 TLS-client method describes it
/// (https://github.com/FoxIO-LLC/ja4/blob/main/technical_details/JA4.md, BSD-3-Clause; written here from that
/// description): <c>t13d1516h2_8daaf6152771_e5627efa2ab1</c> = protocol, version, SNI, cipher and extension counts,
/// ALPN; a hash of the sorted cipher suites; a hash of the sorted extensions and the signature algorithms.
/// GREASE values (RFC 8701) are ignored throughout.
/// </summary>
public static class Ja4
{
    private const ushort ServerName = 0x0000;
    private const ushort SignatureAlgorithms = 0x000d;
    private const ushort Alpn = 0x0010;
    private const ushort SupportedVersions = 0x002b;

    /// <summary>Part b of a JA4 (the cipher hash): what stays the same across versions of one TLS stack.</summary>
    public static ReadOnlySpan<char> CipherHash(string ja4)
    {
        var parts = ja4.AsSpan();
        var first = parts.IndexOf('_');
        var rest = first < 0 ? ReadOnlySpan<char>.Empty : parts[(first + 1)..];
        var second = rest.IndexOf('_');
        return second < 0 ? rest : rest[..second];
    }

    /// <summary>
    /// Computes the JA4 of a TLS record that carries a ClientHello (as Kestrel hands it over: record header
    /// included). False when the bytes are not one, or are cut short.
    /// </summary>
    public static bool TryCompute(ReadOnlySpan<byte> record, out string ja4) => TryCompute(record, out ja4, out _);

    /// <summary>As <see cref="TryCompute(ReadOnlySpan{byte}, out string)"/>, with the server name (SNI) the ClientHello asks for, if any.</summary>
    public static bool TryCompute(ReadOnlySpan<byte> record, out string ja4, out string? serverName)
    {
        ja4 = string.Empty;
        serverName = null;
        // Record: type 22 (handshake), version (2), length (2). Handshake: type 1 (ClientHello), length (3).
        if (record.Length < 9 || record[0] != 22 || record[5] != 1)
        {
            return false;
        }

        var hello = new Reader(record[9..]);
        if (!hello.TryU16(out var legacyVersion) || !hello.TrySkip(32) // random
            || !hello.TryVector8(out _) // session id
            || !hello.TryVector16(out var cipherBytes)
            || !hello.TryVector8(out _)) // compression methods
        {
            return false;
        }

        var ciphers = new List<ushort>();
        AddValues(cipherBytes, ciphers);

        var extensions = new List<ushort>();
        var signatureAlgorithms = new List<ushort>();
        var hasServerName = false;
        var alpn = ReadOnlySpan<byte>.Empty;
        ushort highestVersion = 0;
        if (hello.TryVector16(out var extensionBytes))
        {
            var list = new Reader(extensionBytes);
            while (list.TryU16(out var type) && list.TryVector16(out var data))
            {
                if (IsGrease(type))
                {
                    continue;
                }

                extensions.Add(type);
                switch (type)
                {
                    case ServerName:
                        hasServerName = true;
                        // server_name_list (RFC 6066 §3): the first entry of type host_name (0), ASCII.
                        var serverNames = new Reader(data);
                        if (serverNames.TryVector16(out var entries) && entries.Length > 3 && entries[0] == 0
                            && new Reader(entries[1..]).TryVector16(out var hostName) && hostName.Length is > 0 and <= 253 && System.Text.Ascii.IsValid(hostName))
                        {
                            serverName = System.Text.Encoding.ASCII.GetString(hostName);
                        }

                        break;
                    case Alpn:
                        var protocols = new Reader(data);
                        if (protocols.TryVector16(out var names) && new Reader(names).TryVector8(out var firstName))
                        {
                            alpn = firstName;
                        }

                        break;
                    case SignatureAlgorithms:
                        if (new Reader(data).TryVector16(out var pairs))
                        {
                            AddValues(pairs, signatureAlgorithms);
                        }

                        break;
                    case SupportedVersions:
                        var versions = new List<ushort>();
                        if (new Reader(data).TryVector8(out var offered))
                        {
                            AddValues(offered, versions);
                        }

                        highestVersion = versions.Count == 0 ? (ushort)0 : versions.Max();
                        break;
                }
            }
        }

        var a = new StringBuilder(10)
            .Append('t')
            .Append(VersionCode(highestVersion != 0 ? highestVersion : legacyVersion))
            .Append(hasServerName ? 'd' : 'i')
            .Append(Math.Min(ciphers.Count, 99).ToString("00", System.Globalization.CultureInfo.InvariantCulture))
            .Append(Math.Min(extensions.Count, 99).ToString("00", System.Globalization.CultureInfo.InvariantCulture))
            .Append(AlpnCode(alpn));
        var b = TruncatedHash(HexList(ciphers.Order()));
        var sortedExtensions = HexList(extensions.Where(e => e is not ServerName and not Alpn).Order());
        var c = TruncatedHash(signatureAlgorithms.Count == 0 ? sortedExtensions : sortedExtensions + "_" + HexList(signatureAlgorithms));
        ja4 = $"{a}_{b}_{c}";
        return true;
    }

    /// <summary>Adds the big-endian 16-bit values of a list (ciphers, versions, algorithms), GREASE left out.</summary>
    private static void AddValues(ReadOnlySpan<byte> bytes, List<ushort> into)
    {
        for (var at = 0; at + 1 < bytes.Length; at += 2)
        {
            var value = BinaryPrimitives.ReadUInt16BigEndian(bytes[at..]);
            if (!IsGrease(value))
            {
                into.Add(value);
            }
        }
    }

    /// <summary>RFC 8701: 0x0A0A, 0x1A1A … 0xFAFA.</summary>
    public static bool IsGrease(ushort value) => (value & 0x0F0F) == 0x0A0A && (value >> 8) == (value & 0xFF);

    private static string VersionCode(ushort version) => version switch
    {
        0x0304 => "13",
        0x0303 => "12",
        0x0302 => "11",
        0x0301 => "10",
        0x0300 => "s3",
        0x0002 => "s2",
        0xfeff => "d1",
        0xfefd => "d2",
        0xfefc => "d3",
        _ => "00",
    };

    /// <summary>First and last character of the first ALPN value; its hex digits instead when either is not alphanumeric; "00" without ALPN.</summary>
    private static string AlpnCode(ReadOnlySpan<byte> alpn)
    {
        if (alpn.IsEmpty)
        {
            return "00";
        }

        var first = (char)alpn[0];
        var last = (char)alpn[^1];
        if (char.IsAsciiLetterOrDigit(first) && char.IsAsciiLetterOrDigit(last))
        {
            return string.Concat(first, last);
        }

        var hex = Convert.ToHexStringLower(alpn);
        return string.Concat(hex[0], hex[^1]);
    }

    private static string HexList(IEnumerable<ushort> values) => string.Join(',', values.Select(v => v.ToString("x4", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>The first 12 hex digits of SHA-256; twelve zeros for an empty list.</summary>
    private static string TruncatedHash(string text) =>
        text.Length == 0 ? "000000000000" : Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(text)))[..12];

    /// <summary>Reads big-endian fields and length-prefixed vectors, refusing to read past the end.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public bool TryU16(out ushort value)
        {
            value = 0;
            if (_rest.Length < 2)
            {
                return false;
            }

            value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
            _rest = _rest[2..];
            return true;
        }

        public bool TrySkip(int count)
        {
            if (_rest.Length < count)
            {
                return false;
            }

            _rest = _rest[count..];
            return true;
        }

        public bool TryVector8(out ReadOnlySpan<byte> vector)
        {
            vector = default;
            if (_rest.Length < 1 || _rest.Length < 1 + _rest[0])
            {
                return false;
            }

            vector = _rest.Slice(1, _rest[0]);
            _rest = _rest[(1 + vector.Length)..];
            return true;
        }

        public bool TryVector16(out ReadOnlySpan<byte> vector)
        {
            vector = default;
            if (!TryU16(out var length) || _rest.Length < length)
            {
                return false;
            }

            vector = _rest[..length];
            _rest = _rest[length..];
            return true;
        }
    }

    /// <summary>Part a (10 characters), then two 12-digit hashes: t13d1516h2_8daaf6152771_d8a2da3f94cd.</summary>
    public static bool IsFingerprint(string? text) =>
        text is { Length: 36 } && text[0] is 't' or 'q' or 'd' && text[10] == '_' && text[23] == '_' && Signatures.SignatureLoader.IsHash12(text[11..23]) && Signatures.SignatureLoader.IsHash12(text[24..]);
}
