namespace LinkGateway.Signing;

public class LandingVerdictSignatureTests
{
    private static readonly byte[] _key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
    private static readonly LandingVerdictSignature _signature = new(_key);
    private static readonly DateTimeOffset _now = DateTimeOffset.FromUnixTimeSeconds(1795395135);
    private static readonly TimeSpan _maxAge = TimeSpan.FromMinutes(30);

    [Fact]
    public void SignedValue_Verifies_ForItsHost_InAnyCase()
    {
        var value = _signature.Sign("bot", _now.ToUnixTimeSeconds(), "shop.example");

        Assert.Matches("^bot\\.1795395135\\.[A-Za-z0-9_-]{43}$", value); // URL-safe as it is: nothing to escape in a query
        Assert.Equal("bot", _signature.Verify(value, "SHOP.example", _now.AddMinutes(1), _maxAge));
    }

    [Theory]
    [InlineData("suspect", "shop.example", 0)] // the verdict changed
    [InlineData("bot", "other.example", 0)] // replayed on another site
    [InlineData("bot", "shop.example", 31)] // too old
    [InlineData("bot", "shop.example", -10)] // from the future
    public void ChangedVerdict_OtherHost_OrWrongAge_FailsVerification(string verdict, string host, int minutesLater)
    {
        var value = _signature.Sign("bot", _now.ToUnixTimeSeconds(), "shop.example");
        var claimed = verdict + value[value.IndexOf('.', StringComparison.Ordinal)..];

        Assert.Null(_signature.Verify(claimed, host, _now.AddMinutes(minutesLater), _maxAge));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bot")]
    [InlineData("bot.1795395135")]
    [InlineData("robot.1795395135.AAAA")]
    [InlineData("bot.-1.AAAA")]
    [InlineData("bot.99999999999999999999.AAAA")]
    public void MalformedValue_FailsVerification(string? value) =>
        Assert.Null(_signature.Verify(value, "shop.example", _now, _maxAge));

    [Fact]
    public void OtherKey_FailsVerification()
    {
        var value = new LandingVerdictSignature([.. _key.Reverse()]).Sign("bot", _now.ToUnixTimeSeconds(), "shop.example");

        Assert.Null(_signature.Verify(value, "shop.example", _now, _maxAge));
    }
}
