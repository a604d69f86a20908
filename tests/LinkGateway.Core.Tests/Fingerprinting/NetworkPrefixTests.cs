using System.Net;
using LinkGateway.TestSupport;

namespace LinkGateway.Fingerprinting;

public class NetworkPrefixTests
{
    [Theory]
    [InlineData("203.0.113.9", "203.0.113.0/24")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.0/24")]
    [InlineData("2001:db8:1:2:3:4:5:6", "2001:db8:1::/48")]
    public void Prefix_IsTheSlash24OrSlash48(string address, string expected)
    {
        Assert.Equal(expected, NetworkPrefix.Of(IPAddress.Parse(address)));
    }

    [Fact]
    public void ShapeKey_IsStable_AndChangesWithSoftwareShapeOrNetwork()
    {
        var request = Requests.Browser();
        var key = Key(request);

        Assert.Matches("^[0-9a-f]{16}$", key);
        Assert.Equal(key, Key(Requests.Browser(address: "198.51.100.99"))); // same /24
        Assert.NotEqual(key, Key(Requests.Browser(address: "198.51.101.20")));
        Assert.NotEqual(key, Key(request with { HasAcceptLanguage = false }));
        Assert.NotEqual(key, Key(request with { UserAgent = "curl/8.5.0" }));
    }

    private static string Key(in RequestFingerprint request) => ClientShape.Key(request, NetworkPrefix.Of(request.ClientAddress));
}
