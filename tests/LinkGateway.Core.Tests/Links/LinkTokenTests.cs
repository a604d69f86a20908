using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace LinkGateway.Links;

/// <summary>Tokens open only when they are what the layout says; anything else gives no identity, never an error.</summary>
public sealed class LinkTokenTests
{
    private static readonly byte[] _secret = RandomNumberGenerator.GetBytes(32);
    private static readonly ECDsa _sender = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private static readonly LinkToken _jwt = LinkToken.Jwt([JwtKey.Hs256("hs", _secret), JwtKey.Es256("es", _sender.ExportSubjectPublicKeyInfoPem())]);

    [Theory]
    [InlineData("""{"m":"m-1","r":"r-1","l":"l-1","t":1767225600}""")]
    [InlineData("""{"m":"m-1","r":"r-1","l":"l-1","t":"1767225600"}""")]
    public void Json_OpensBase64UrlWithOrWithoutPadding(string json)
    {
        var unpadded = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
        foreach (var token in new[] { unpadded, Convert.ToBase64String(Encoding.UTF8.GetBytes(json)) })
        {
            var fields = LinkToken.Json.Open(token)!;
            Assert.Equal(("m-1", "r-1", "l-1", "1767225600"), (fields("m"), fields("r"), fields("l"), fields("t")));
        }
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("W10")] // [] : not an object
    [InlineData("eyJtIjo")] // truncated JSON
    [InlineData("")]
    public void Json_DoesNotOpenWhatIsNotAnObject(string token) => Assert.Null(LinkToken.Json.Open(token));

    [Fact]
    public void Json_LongerThanAnyTokenDoesNotOpen() =>
        Assert.Null(LinkToken.Json.Open(Base64Url.EncodeToString(Encoding.UTF8.GetBytes($$"""{"m":"{{new string('x', LinkToken.MaxLength)}}"}"""))));

    [Theory]
    [InlineData(new byte[] { 0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d })] // {"m":"\xff\xfe"}: not UTF-8
    [InlineData(new byte[] { 0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0x5c, 0x75, 0x64, 0x38, 0x30, 0x30, 0x22, 0x7d })] // {"m":"\ud800"}: a lone surrogate
    public void Json_ThatIsNotText_DoesNotOpen_NeverThrows(byte[] json) => Assert.Null(LinkToken.Json.Open(Base64Url.EncodeToString(json)));

    [Fact]
    public void Jwt_WhoseHeaderIsNotText_DoesNotOpen_NeverThrows()
    {
        var header = Base64Url.EncodeToString("""{"alg":"\ud800"}"""u8);
        var latin1 = Base64Url.EncodeToString([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]);

        Assert.Null(_jwt.Open($"{header}.{B64("{}")}.AAAA"));
        Assert.Null(_jwt.Open($"{latin1}.{B64("{}")}.AAAA"));
    }

    [Fact]
    public void AnyBytes_OpenAsNothingOrFields_NeverThrow()
    {
        var random = new Random(20261129);
        var text = LinkToken.Text(IdentityProfile.CompilePattern("^(?=a)(?<m>(a|aa)+)$"));
        for (var i = 0; i < 2000; i++)
        {
            var bytes = new byte[random.Next(0, 200)];
            random.NextBytes(bytes);
            var token = i % 2 == 0 ? Base64Url.EncodeToString(bytes) : Encoding.Latin1.GetString(bytes);
            _ = LinkToken.Json.Open(token);
            _ = _jwt.Open(token);
            _ = _jwt.Open($"{token}.{token}.{token}");
            _ = text.Open(token);
        }
    }

    [Fact]
    public void Text_APatternThatBacktracksOnAHostileToken_OpensNothing()
    {
        var token = LinkToken.Text(IdentityProfile.CompilePattern("^(?=a)(?<m>(a|aa)+)$"));

        Assert.Null(token.Open(Base64Url.EncodeToString(Encoding.ASCII.GetBytes(new string('a', 2000) + "b"))));
    }

    [Fact]
    public void Jwt_Hs256AndEs256_Open()
    {
        var hs = Jwt("""{"alg":"HS256","typ":"JWT","kid":"hs"}""", """{"mid":"m-1","sub":"r-1"}""", data => HMACSHA256.HashData(_secret, data));
        var es = Jwt("""{"alg":"ES256"}""", """{"mid":"m-2","sub":"r-2"}""", data => _sender.SignData(data, HashAlgorithmName.SHA256));

        Assert.Equal("m-1", _jwt.Open(hs)!("mid"));
        Assert.Equal("m-2", _jwt.Open(es)!("mid"));
    }

    [Fact]
    public void Jwt_TamperedPayload_DoesNotOpen()
    {
        var token = Jwt("""{"alg":"HS256"}""", """{"mid":"m-1"}""", data => HMACSHA256.HashData(_secret, data));
        var parts = token.Split('.');
        var forged = $"{parts[0]}.{Base64Url.EncodeToString(Encoding.UTF8.GetBytes("""{"mid":"m-9"}"""))}.{parts[2]}";

        Assert.Null(_jwt.Open(forged));
    }

    [Fact]
    public void Jwt_AlgNone_AndHs256SignedWithThePublicKey_DoNotOpen()
    {
        var none = $"{B64("""{"alg":"none"}""")}.{B64("""{"mid":"m-1"}""")}.";
        // The classic confusion: HS256 keyed with the ES256 key's public bytes, which anyone has.
        var publicBytes = Encoding.ASCII.GetBytes(_sender.ExportSubjectPublicKeyInfoPem());
        var confused = Jwt("""{"alg":"HS256","kid":"es"}""", """{"mid":"m-1"}""", data => HMACSHA256.HashData(publicBytes, data));

        Assert.Null(_jwt.Open(none));
        Assert.Null(_jwt.Open(confused));
    }

    [Fact]
    public void Jwt_Es256InDerRatherThanJoseForm_AndAnotherKeysKid_DoNotOpen()
    {
        var der = Jwt("""{"alg":"ES256"}""", """{"mid":"m-1"}""", data => _sender.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));
        var wrongKid = Jwt("""{"alg":"HS256","kid":"es"}""", """{"mid":"m-1"}""", data => HMACSHA256.HashData(_secret, data));

        Assert.Null(_jwt.Open(der));
        Assert.Null(_jwt.Open(wrongKid));
    }

    [Fact]
    public void Text_ReadsAPhpSerializedArrayAsMauticWritesIt()
    {
        // Mautic's click-through: base64 of PHP serialize() of source, email, stat and lead (its ClickthroughHelper).
        const string Serialized = """a:4:{s:6:"source";a:2:{i:0;s:5:"email";i:1;i:7;}s:5:"email";i:7;s:4:"stat";s:13:"5f1a2b3c4d5e6";s:4:"lead";i:12;}""";
        var token = LinkToken.Text(IdentityProfile.CompilePattern(MauticClickThrough));

        var fields = token.Open(Convert.ToBase64String(Encoding.UTF8.GetBytes(Serialized)))!;

        Assert.Equal(("7", "12"), (fields("messageId"), fields("recipientId")));
        Assert.Null(token.Open(Convert.ToBase64String([0xff, 0xfe, 0xfd]))); // not UTF-8
    }

    [Fact]
    public void Profile_LooksUpTokenFieldsThenPatternGroupsThenValues_AndAClickWithoutIdsIsItsUrl()
    {
        var profile = new IdentityProfile(new IdentityFields("m", "r", "linkId", "t"), IdentityProfile.CompilePattern("^/x/(?<token>[^/?]+)"), "token", LinkToken.Json);
        var token = Base64Url.EncodeToString(Encoding.UTF8.GetBytes("""{"m":"m-1","r":"r-1"}"""));

        var identity = profile.Read(LinkKind.Click, $"/x/{token}", name => name == "linkId" ? "from-route" : null);
        var nothing = IdentityProfile.Default.Read(LinkKind.Click, "/go/somewhere?x=1", _ => null);
        var openWithNothing = IdentityProfile.Default.Read(LinkKind.Open, "/go/pixel", _ => null);

        Assert.Equal(("m-1", "r-1", "from-route", false), (identity.MessageId, identity.RecipientId, identity.LinkId, identity.LinkIsUrl));
        Assert.Equal(("/go/somewhere?x=1", true), (nothing.LinkId, nothing.LinkIsUrl));
        Assert.Equal((null, false), (openWithNothing.LinkId, openWithNothing.LinkIsUrl)); // image proxies fetch many people's pixels at once
    }

    [Fact]
    public void Profile_ALayoutThatCouldNotReadItsLink_DoesNotFallBackToTheUrl()
    {
        // An old mail's token, signed with a key since rotated out: a link of a known layout, not a URL to count.
        var profile = new IdentityProfile(new IdentityFields("m", "r", "l", "t"), tokenName: "token", token: LinkToken.Json);

        var identity = profile.Read(LinkKind.Click, "/t/not-a-token", name => name == "token" ? "not-a-token" : null);

        Assert.Equal((null, false), (identity.LinkId, identity.LinkIsUrl));
    }

    /// <summary>The docs say a token that does not open gives no identity; the ids beside it in the query were the client's to write.</summary>
    [Fact]
    public void Profile_ATokenThatDoesNotOpen_TakesNoIdsFromTheQuery()
    {
        var profile = new IdentityProfile(new IdentityFields("m", "r", "l", "t"), tokenName: "token", token: LinkToken.Json);
        string? Query(string name) => name switch { "token" => "bogus.bogus.bogus", "m" => "FORGED-M", "r" => "FORGED-R", "l" => "FORGED-L", "t" => "1796000000", _ => null };

        var identity = profile.Read(LinkKind.Click, "/t/bogus.bogus.bogus?m=FORGED-M&r=FORGED-R&l=FORGED-L&t=1796000000", Query);

        Assert.Equal(LinkIdentity.Empty, identity);
    }

    [Fact]
    public void Profile_PatternGroups_OverThePathAreTakenAsDecoded_OverTheQueryAreDecoded()
    {
        var profile = new IdentityProfile(new IdentityFields("m", "r", "l", "t"), IdentityProfile.CompilePattern("^/e/(?<m>[^/?]+)\\?r=(?<r>[^&]+)"));

        // Kestrel has decoded the path already ("dd%25x" arrived as "dd%2525x"); the query is as sent.
        var identity = profile.Read(LinkKind.Open, "/e/dd%25x?r=a%2Fb", _ => null);

        Assert.Equal(("dd%25x", "a/b"), (identity.MessageId, identity.RecipientId));
    }

    [Fact]
    public void Profile_APathAndQueryLongerThanAPatternReads_HasNoIdentity()
    {
        var profile = new IdentityProfile(new IdentityFields("m", "r", "l", "t"), IdentityProfile.CompilePattern("^/e/(?<m>[^/?]+)"));

        Assert.Null(profile.Read(LinkKind.Open, "/e/" + new string('a', IdentityProfile.MaxPatternInput), _ => null).MessageId);
    }

    [Fact]
    public void Profile_ALongUrlAsALinkIsADigest_DistinctPerUrl()
    {
        var a = IdentityProfile.Default.Read(LinkKind.Click, "/go/" + new string('a', 300), _ => null);
        var b = IdentityProfile.Default.Read(LinkKind.Click, "/go/" + new string('b', 300), _ => null);

        Assert.StartsWith("url:", a.LinkId);
        Assert.NotEqual(a.LinkId, b.LinkId);
        Assert.True(a.LinkId!.Length <= IdentityProfile.MaxIdBytes);
    }

    [Fact]
    public void Profile_APatternThatBacktracksOnAHostileUrl_GivesNoIdentityInBoundedTime()
    {
        var profile = new IdentityProfile(new IdentityFields("m", "r", "l", "t"), IdentityProfile.CompilePattern("^(?=(a+)+b)(?<m>a)"));

        var identity = profile.Read(LinkKind.Open, new string('a', 5000), _ => null);

        Assert.Null(identity.MessageId);
    }

    [Theory]
    [InlineData("1767225600", 1767225600L)]
    [InlineData("1767225600000", 1767225600L)] // milliseconds, as JavaScript writes them
    [InlineData("1767225600.75", 1767225600L)] // a JWT NumericDate may have a fraction
    [InlineData("1767225600.", null)]
    [InlineData(".5", null)]
    [InlineData("-5", null)]
    [InlineData("0", null)]
    [InlineData("1e9", null)]
    [InlineData("999999999999999", null)]
    public void SendTime_IsUnixSecondsOrMilliseconds(string text, long? seconds) =>
        Assert.Equal(seconds, IdentityProfile.SentAt(text)?.ToUnixTimeSeconds());

    /// <summary>The email and lead keys of the top-level array: "email" is also a value of "source", after an integer key.</summary>
    public const string MauticClickThrough =
        """^(?=.*?(?<!i:\d{1,9};)s:5:"email";(?:i:|s:\d+:")(?<messageId>\d+))(?=.*?(?<!i:\d{1,9};)s:4:"lead";(?:i:|s:\d+:")(?<recipientId>\d+))""";

    private static string Jwt(string header, string payload, Func<byte[], byte[]> sign)
    {
        var signed = $"{B64(header)}.{B64(payload)}";
        return $"{signed}.{Base64Url.EncodeToString(sign(Encoding.ASCII.GetBytes(signed)))}";
    }

    private static string B64(string json) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(json));
}
