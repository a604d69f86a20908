using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LinkGateway.Fingerprinting;

public sealed class Ja4Tests
{
    // A Chrome 143 ClientHello as browserleaks.com reported it (its JA4, and its cipher and extension lists in
    // the order sent, "ja4_ro"), quoted in https://github.com/service0427/v2_cp_app/blob/main/tls.md. The test
    // builds the bytes from those lists, with GREASE where Chrome puts it, and expects the JA4 reported there.
    private const string ChromeJa4 = "t13d1516h2_8daaf6152771_d8a2da3f94cd";
    private static readonly ushort[] _chromeCiphers = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
    private static readonly ushort[] _chromeExtensions = [0x002d, 0x0033, 0x0010, 0xfe0d, 0x0017, 0x44cd, 0x0000, 0x000b, 0x000a, 0x002b, 0xff01, 0x0023, 0x0012, 0x0005, 0x000d, 0x001b];
    private static readonly ushort[] _chromeSignatureAlgorithms = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

    [Fact]
    public void ChromeClientHello_GivesTheJa4BrowserleaksReported()
    {
        var record = ClientHello([0x3a3a, .. _chromeCiphers], [0x8a8a, .. _chromeExtensions, 0xdada], _chromeSignatureAlgorithms, "h2", "tls.example");

        Assert.True(Ja4.TryCompute(record, out var ja4));
        Assert.Equal(ChromeJa4, ja4);
        Assert.Equal("8daaf6152771", Ja4.CipherHash(ja4).ToString());
    }

    [Theory]
    [InlineData("links.acme-shop.example")]
    [InlineData(null)]
    public void TheServerName_IsReadWithTheJa4(string? serverName)
    {
        var record = ClientHello([0x1301], serverName is null ? [0x002b] : [0x0000, 0x002b], [], "h2", serverName);

        Assert.True(Ja4.TryCompute(record, out _, out var read));
        Assert.Equal(serverName, read);
    }

    [Fact]
    public void WithoutSniAlpnOrSignatureAlgorithms_TheCodesSayIt()
    {
        var record = ClientHello([0x1301, 0xc02f], [0x002b, 0x000a], [], alpn: null, serverName: null);

        Assert.True(Ja4.TryCompute(record, out var ja4));
        Assert.StartsWith("t13i020200_", ja4, StringComparison.Ordinal);
    }

    [Fact]
    public void AnAlpnThatIsNotAlphanumeric_IsWrittenAsHex()
    {
        var record = ClientHello([0x1301], [0x0010], [], alpn: "\u00ab\u00cd", serverName: null);

        Assert.True(Ja4.TryCompute(record, out var ja4));
        // No supported_versions: the legacy version (1.2). ALPN bytes c2 ab c3 8d: first and last hex digit, "cd".
        Assert.Equal("t12i0101cd", ja4[..10]);
    }

    [Fact]
    public void GreaseValues_AreTheSixteenOfRfc8701()
    {
        var grease = Enumerable.Range(0, 0x10000).Where(v => Ja4.IsGrease((ushort)v)).ToList();

        Assert.Equal(16, grease.Count);
        Assert.All(grease, v => Assert.Equal(0x0a, v & 0x0f));
    }

    [Property(MaxTest = 2000)]
    public Property AnyBytes_NeverThrow_AndTruncationsOfARealHelloAreRefused()
    {
        var real = ClientHello(_chromeCiphers, _chromeExtensions, _chromeSignatureAlgorithms, "h2", "tls.example");
        var gen = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>().Where(b => b is not null),
            Gen.Choose(0, real.Length - 1).Select(cut => real[..cut]),
            Gen.Choose(9, real.Length - 1).SelectMany(at => Gen.Choose(0, 255).Select(value =>
            {
                var mutated = (byte[])real.Clone();
                mutated[at] = (byte)value;
                return mutated;
            })));
        return Prop.ForAll(gen.ToArbitrary(), bytes =>
        {
            var ok = Ja4.TryCompute(bytes, out var ja4);
            return !ok || (ja4.Length == 36 && ja4[0] == 't');
        });
    }

    /// <summary>A TLS record carrying a ClientHello with the given lists, in the order given.</summary>
    private static byte[] ClientHello(ushort[] ciphers, ushort[] extensionTypes, ushort[] signatureAlgorithms, string? alpn, string? serverName)
    {
        var extensions = new List<byte>();
        foreach (var type in extensionTypes)
        {
            var data = type switch
            {
                0x0000 when serverName is not null => Vector16([0, .. Vector16(System.Text.Encoding.ASCII.GetBytes(serverName))]),
                0x0010 when alpn is not null => Vector16([.. Vector8(System.Text.Encoding.UTF8.GetBytes(alpn)), .. Vector8("http/1.1"u8.ToArray())]),
                0x000d => Vector16(U16s(signatureAlgorithms)),
                0x002b => Vector8(U16s([0x7a7a, 0x0304, 0x0303])),
                _ => [],
            };
            extensions.AddRange(U16s([type]));
            extensions.AddRange(Vector16(data));
        }

        byte[] body = [0x03, 0x03, .. new byte[32], .. Vector8([]), .. Vector16(U16s(ciphers)), .. Vector8([0]), .. Vector16([.. extensions])];
        byte[] handshake = [1, (byte)(body.Length >> 16), (byte)(body.Length >> 8), (byte)body.Length, .. body];
        return [22, 0x03, 0x01, (byte)(handshake.Length >> 8), (byte)handshake.Length, .. handshake];
    }

    private static byte[] U16s(ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (var i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(i * 2), values[i]);
        }

        return bytes;
    }

    private static byte[] Vector8(byte[] data) => [(byte)data.Length, .. data];

    private static byte[] Vector16(byte[] data) => [(byte)(data.Length >> 8), (byte)data.Length, .. data];
}
