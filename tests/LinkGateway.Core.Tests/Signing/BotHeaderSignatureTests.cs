namespace LinkGateway.Signing;

public class BotHeaderSignatureTests
{
    private static readonly byte[] _key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly BotHeaderSignature _signature = new(_key);

    [Fact]
    public void Signature_Verifies()
    {
        var signed = _signature.Sign(94, "bot", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/l?t=1", 1795395135);

        Assert.StartsWith("v1=", signed);
        Assert.True(_signature.Verify(signed, 94, "bot", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/l?t=1", 1795395135));
    }

    [Theory]
    [InlineData(0, "bot", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/l?t=1", 1795395135L)]
    [InlineData(94, "human", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/l?t=1", 1795395135L)]
    [InlineData(94, "bot", "", null, "GET", "/c/m/r/l?t=1", 1795395135L)]
    [InlineData(94, "bot", "ua.library,hdr.accept-any", "store-unavailable", "GET", "/c/m/r/l?t=1", 1795395135L)]
    [InlineData(94, "bot", "ua.library,hdr.accept-any", null, "POST", "/c/m/r/l?t=1", 1795395135L)]
    [InlineData(94, "bot", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/other?t=1", 1795395135L)]
    [InlineData(94, "bot", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/l?t=1", 1795395136L)]
    public void AnyChangedField_FailsVerification(int score, string verdict, string reasons, string? degraded, string method, string path, long timestamp)
    {
        var signed = _signature.Sign(94, "bot", "ua.library,hdr.accept-any", null, "GET", "/c/m/r/l?t=1", 1795395135);

        Assert.False(_signature.Verify(signed, score, verdict, reasons, degraded, method, path, timestamp));
    }

    [Fact]
    public void OtherKey_FailsVerification()
    {
        var signed = _signature.Sign(0, "human", "", null, "GET", "/", 1);
        var other = new BotHeaderSignature(Enumerable.Range(2, 32).Select(i => (byte)i).ToArray());

        Assert.False(other.Verify(signed, 0, "human", "", null, "GET", "/", 1));
    }

    [Fact]
    public void CanonicalString_IsTheDocumentedOne()
    {
        // The verification snippets for other languages in docs/reference/header-contract.md rebuild exactly this string.
        Assert.Equal("v1\n94\nbot\nua.library\n\nGET\n/c/m/r/l?t=1\n1795395135",
            BotHeaderSignature.CanonicalString(94, "bot", "ua.library", null, "get", "/c/m/r/l?t=1", 1795395135));
    }

    [Theory]
    [InlineData(null, "missing")]
    [InlineData("not base64!", "not base64")]
    [InlineData("AQID", "too short: 3 bytes")]
    [InlineData("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", "hex digits, not base64")]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8", "not base64")]
    [InlineData("AAECAwQFBgcICQoL DA0ODxAREhMUFRYXGBkaGxwdHh8=", "not base64")]
    public void BadKey_SaysWhy(string? key, string problem)
    {
        Assert.Null(BotHeaderSignature.TryParseKey(key, out var why));
        Assert.StartsWith(problem, why);
    }

    [Fact]
    public void WebhookSignature_IsTheHmacOfTheDocumentedString_AndVerifies()
    {
        var body = "{\"id\":\"fb-1\"}"u8.ToArray();

        var signed = _signature.SignWebhook("POST", "/hooks/foldback?x=1", 1795395135, body);

        var digest = Convert.ToBase64String(System.Security.Cryptography.SHA256.HashData(body));
        var text = $"v1-webhook\nPOST\n/hooks/foldback?x=1\n1795395135\n{digest}";
        Assert.Equal("v1=" + Convert.ToBase64String(System.Security.Cryptography.HMACSHA256.HashData(_key, System.Text.Encoding.UTF8.GetBytes(text))), signed);
        Assert.True(_signature.VerifyWebhook(signed, "POST", "/hooks/foldback?x=1", 1795395135, body));
    }

    [Theory]
    [InlineData("PUT", "/hooks/foldback?x=1", 1795395135L, "{\"id\":\"fb-1\"}")]
    [InlineData("POST", "/hooks/foldback?x=2", 1795395135L, "{\"id\":\"fb-1\"}")]
    [InlineData("POST", "/hooks/foldback?x=1", 1795395136L, "{\"id\":\"fb-1\"}")]
    [InlineData("POST", "/hooks/foldback?x=1", 1795395135L, "{\"id\":\"fb-2\"}")]
    public void WebhookSignature_AnyChangedPart_FailsVerification(string method, string path, long timestamp, string body)
    {
        var signed = _signature.SignWebhook("POST", "/hooks/foldback?x=1", 1795395135, "{\"id\":\"fb-1\"}"u8);

        Assert.False(_signature.VerifyWebhook(signed, method, path, timestamp, System.Text.Encoding.UTF8.GetBytes(body)));
    }

    [Fact]
    public void VerdictSignature_NeverVerifiesAsAWebhook()
    {
        // Both are over method, path and timestamp with one key: the first line keeps them apart.
        var verdict = _signature.Sign(0, "human", "", null, "POST", "/hooks/foldback", 1);

        Assert.False(_signature.VerifyWebhook(verdict, "POST", "/hooks/foldback", 1, []));
    }

    [Theory]
    [InlineData("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=")]
    [InlineData("  AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n")]
    public void Base64Key_OfThirtyTwoBytes_IsAccepted(string key)
    {
        Assert.Equal(Enumerable.Range(0, 32).Select(i => (byte)i), BotHeaderSignature.TryParseKey(key, out _));
    }

    [Fact]
    public void OtherSpellingOfTheSameMac_FailsVerification()
    {
        var signed = _signature.Sign(94, "bot", "", null, "GET", "/", 1);

        // Convert.FromBase64String would read both as the same MAC; every other language's verifier compares the text.
        Assert.False(_signature.Verify(signed.TrimEnd('='), 94, "bot", "", null, "GET", "/", 1));
        Assert.False(_signature.Verify(signed[..20] + " " + signed[20..], 94, "bot", "", null, "GET", "/", 1));
    }
}
