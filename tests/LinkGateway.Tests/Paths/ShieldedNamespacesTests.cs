using LinkGateway.Contracts;
using LinkGateway.Links;

namespace LinkGateway.Paths;

/// <summary>Which requests a shielded route's namespace covers: its literal prefix, whole segments, any case, its hosts.</summary>
public sealed class ShieldedNamespacesTests
{
    private static readonly RoutePolicy _unsubscribe = new(LinkKind.Unsubscribe, ShieldMode.Always, GuardAction.Interstitial, GuardAction.Interstitial);

    [Theory]
    [InlineData("/u/{messageId}/{recipientId}", "/u")]
    [InlineData("u/{messageId}", "/u")]
    [InlineData("/unsubscribe/v2-{id}", "/unsubscribe")]
    [InlineData("/Lists//Unsubscribe/{id}", "/Lists/Unsubscribe")]
    [InlineData("/list/unsubscribe", "/list/unsubscribe")]
    [InlineData("/index.php/u/{messageId}/{recipientId}", "/index.php/u")] // docs/operations/threat-model.md: a front controller's spelling, declared
    [InlineData("/unsub-{id}", null)]
    [InlineData("/{tenant}/u/{id}", null)]
    [InlineData("{**rest}", null)]
    [InlineData(null, null)]
    public void TheNamespace_IsTheLiteralStartOfTheTemplate_InWholeSegments(string? template, string? prefix) =>
        Assert.Equal(prefix, ShieldedNamespaces.LiteralPrefix(template));

    [Theory]
    [InlineData("links.example", "/u", true)]
    [InlineData("links.example", "/U/m/r", true)]
    [InlineData("links.example", "/u/m/r/extra", true)]
    [InlineData("links.example", "/unsubscribe/m/r", false)]
    [InlineData("links.example", "/c/m/r/l", false)]
    [InlineData("LINKS.example", "/u/m/r", true)]
    [InlineData("eu.mail.example", "/u/m/r", true)]
    [InlineData("mail.example", "/u/m/r", false)]
    [InlineData("other.example", "/u/m/r", false)]
    [InlineData("links.example.", "/u/m/r", true)]
    [InlineData("links.example..", "/u/m/r", true)]
    [InlineData("LINKS.Example.:8443", "/u/m/r", true)]
    [InlineData("links.example:8443", "/u/m/r", true)]
    [InlineData("eu.mail.example.", "/u/m/r", true)]
    [InlineData("links.example.other.", "/u/m/r", false)]
    [InlineData("", "/u/m/r", true)] // no host: any origin's
    [InlineData(".", "/u/m/r", true)]
    public void ARequest_IsInTheNamespace_ByPrefixAndHost(string host, string reading, bool inside)
    {
        var namespaces = ShieldedNamespaces.Compile([("unsubscribe", "/u/{m}/{r}", ["links.example:443", "*.mail.example"], _unsubscribe, "origin")]);

        Assert.Equal(inside, namespaces.Find(host, reading, "elsewhere") is not null);
    }

    [Theory]
    [InlineData("origin", true)] // YARP sends the origin its own Host: it cannot tell other.example from links.example
    [InlineData("ORIGIN", true)]
    [InlineData("same-origin", true)] // another cluster with the same destination reaches the same endpoint
    [InlineData("another-origin", false)]
    public void AnotherHost_IsInTheNamespace_WhenItsRouteForwardsToTheShieldedRoutesOrigin(string clusterId, bool inside)
    {
        var namespaces = ShieldedNamespaces.Compile([("unsubscribe", "/u/{m}/{r}", ["links.example"], _unsubscribe, "origin")],
        [
            ("origin", ["http://10.0.0.5:8080/", "http://10.0.0.6:8080"]),
            ("same-origin", ["HTTP://10.0.0.6:8080/app"]),
            ("another-origin", ["http://10.0.0.7:8080"]),
        ]);

        Assert.Equal(inside, namespaces.Find("other.example", "/u/m/r", clusterId) is not null);
        Assert.Null(namespaces.Find("other.example", "/c/m/r", clusterId));
    }

    [Fact]
    public void OnlyShieldedRoutes_HaveNamespaces_TheMostSpecificFirst()
    {
        var click = new RoutePolicy(LinkKind.Click, ShieldMode.Auto, GuardAction.Forward, GuardAction.Forward);
        var confirm = _unsubscribe with { Kind = LinkKind.Confirm, Shield = ShieldMode.Auto };
        var namespaces = ShieldedNamespaces.Compile(
        [
            ("click", "/c/{m}/{r}/{l}", null, click, "origin"),
            ("lists", "/lists/{id}", null, confirm, "origin"),
            ("lists-unsubscribe", "/lists/unsubscribe/{id}", null, _unsubscribe, "origin"),
            ("broken", "/b/{id}", null, null, "origin"),
        ]);

        Assert.Equal(["lists-unsubscribe", "lists"], namespaces.All.Select(n => n.RouteId));
        Assert.Equal("lists-unsubscribe", namespaces.Find("any", "/lists/unsubscribe/1")?.RouteId);
        Assert.Equal("lists", namespaces.Find("any", "/lists/1")?.RouteId);
    }

    [Theory]
    [InlineData("links.example.com", "links.example.com")]
    [InlineData("Links.Example.COM.", "links.example.com")]
    [InlineData("links.example.com..:8080", "links.example.com")]
    [InlineData("[2001:db8::1]:443", "[2001:db8::1]")]
    [InlineData("[2001:db8::1]", "[2001:db8::1]")]
    [InlineData("192.0.2.1:80", "192.0.2.1")]
    [InlineData("...", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void AHost_IsReadAsAnOriginReadsIt(string? host, string? name) =>
        Assert.Equal(name, ShieldedNamespace.OriginHost(host));

    [Theory]
    [InlineData(LinkKind.None, ShieldMode.Auto, true)]
    [InlineData(LinkKind.Click, ShieldMode.Auto, true)]
    [InlineData(LinkKind.Open, ShieldMode.Auto, true)]
    [InlineData(LinkKind.Confirm, ShieldMode.Auto, true)]
    [InlineData(LinkKind.Confirm, ShieldMode.Always, false)]
    [InlineData(LinkKind.Unsubscribe, ShieldMode.Always, false)]
    [InlineData(LinkKind.Honeypot, ShieldMode.Auto, false)]
    public void AShieldedNamespace_GuardsWhatTheMatchedRouteGuardsLess(LinkKind matchedKind, ShieldMode matchedShield, bool stricter)
    {
        var shielded = new ShieldedNamespace("unsubscribe", "/u", [], _unsubscribe, new HashSet<string>());
        var matched = new RoutePolicy(matchedKind, matchedShield, GuardAction.Forward, GuardAction.Forward);

        Assert.Equal(stricter, shielded.IsStricterThan(matched));
    }
}
