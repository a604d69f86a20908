using LinkGateway.TestSupport;

namespace LinkGateway.Signatures;

public class SignatureLoaderTests
{
    private const string Source = "\"source\": \"https://example.org/doc\", \"taken\": \"2026-11-23\"";

    [Fact]
    public void ShippedSignatures_Load()
    {
        var set = SignatureLoader.LoadDirectory(RepoFiles.Signatures);

        Assert.True(set.UserAgents.PatternCount > 30);
        Assert.True(set.Networks.IntervalCount > 5);
        Assert.Matches("^[0-9a-f]{12}$", set.Version);
    }

    [Fact]
    public void ShippedNetworkLists_EachNameTheirFeedOrWhyNot_AndTheirDate()
    {
        var set = SignatureLoader.LoadDirectory(RepoFiles.Signatures);

        // The first-party lists of issue 12, each with its category.
        var expected = new Dictionary<string, NetworkCategory>
        {
            ["amazon"] = NetworkCategory.Datacenter, ["google"] = NetworkCategory.Datacenter, ["microsoft"] = NetworkCategory.Datacenter,
            ["oracle"] = NetworkCategory.Datacenter, ["digitalocean"] = NetworkCategory.Datacenter, ["linode"] = NetworkCategory.Datacenter,
            ["vultr"] = NetworkCategory.Datacenter, ["github"] = NetworkCategory.Datacenter,
            ["apple-proxy"] = NetworkCategory.PersonRelay, ["protonvpn"] = NetworkCategory.PersonRelay, ["cloudflare"] = NetworkCategory.Datacenter,
            ["googlebot"] = NetworkCategory.Crawler, ["bing"] = NetworkCategory.Crawler, ["duckduckbot"] = NetworkCategory.Crawler,
            ["duckassistbot"] = NetworkCategory.Crawler, ["openai"] = NetworkCategory.Crawler, ["perplexity"] = NetworkCategory.Crawler,
            ["pingdom"] = NetworkCategory.Monitor, ["statuscake"] = NetworkCategory.Monitor,
            ["facebook"] = NetworkCategory.LinkPreviewer, ["twitter"] = NetworkCategory.LinkPreviewer, ["telegram"] = NetworkCategory.LinkPreviewer,
        };
        foreach (var (family, category) in expected)
        {
            var list = Assert.Single(set.NetworkLists, l => l.Family == family);
            Assert.Equal(category, list.Category);
            Assert.Equal(new DateOnly(2026, 8, 22), list.Taken);
            Assert.True(list.Ranges > 0);
            Assert.DoesNotContain("lord-alfred", list.Source, StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public void NetworkList_IsDatedByItsOldestEntry()
    {
        var json = """
            { "family": "f", "kind": "network", "category": "monitor", "source": "https://example.org/probes", "taken": "2026-11-01",
              "feeds": [ { "url": "https://example.org/probes" } ],
              "entries": [ { "cidr": "192.0.2.1/32" }, { "cidr": "192.0.2.2/32", "taken": "2026-08-30" } ] }
            """;

        var list = Assert.Single(SignatureLoader.Load([("monitors/f.json", json)]).NetworkLists);

        Assert.Equal(new NetworkList("monitors/f.json", "f", NetworkCategory.Monitor, new DateOnly(2026, 8, 30), 2, "https://example.org/probes"), list);
        Assert.Equal(91, list.AgeDays(new DateOnly(2026, 11, 29)));
        Assert.True(list.IsStale(new DateOnly(2026, 11, 29)));
        Assert.False(list.IsStale(new DateOnly(2026, 11, 28)));
    }

    [Theory]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", "taken": "2026-11-23", "entries": [ { "name": "x", "pattern": "^x/" } ] }""", "entries[0] \"x\": needs \"source\"")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", "source": "https://example.org", "entries": [ { "name": "x", "pattern": "^x/" } ] }""", "entries[0] \"x\": needs \"taken\"")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", "source": "https://example.org", "taken": "last week", "entries": [ { "pattern": "^x/" } ] }""", "needs \"taken\"")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "vendor", SOURCE, "entries": [ { "cidr": "10.0.0.1/8" } ] }""", "\"cidr\" is not a valid network: \"10.0.0.1/8\"")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "vendor", SOURCE, "entries": [ { "cidr": "300.0.0.0/8" } ] }""", "\"cidr\" is not a valid network")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", SOURCE, "entries": [ { "pattern": "(unclosed" } ] }""", "\"pattern\" does not compile")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", SOURCE, "entries": [ { "pattern": "(a)\\1" } ] }""", "\"pattern\" does not compile")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "robots", SOURCE, "entries": [ { "pattern": "x" } ] }""", "\"category\" must be one of")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "vendor", "scope": "opens", SOURCE, "entries": [ { "cidr": "10.0.0.0/8" } ] }""", "\"scope\" must be clicks or all")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", SOURCE, "entries": [ { "patern": "x" } ] }""", "not a valid signature file")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", SOURCE, "entries": [] }""", "\"entries\" is missing or empty")]
    [InlineData("""{ "family": "f", "kind": "tls-client", "category": "library", SOURCE, "entries": [ { "ja4": "t13d3112h2_e8f1e7e78f70" } ] }""", "\"ja4\" is not a JA4 fingerprint")]
    [InlineData("""{ "family": "f", "kind": "tls-client", "category": "library", SOURCE, "entries": [ { "ja4": "t13d3112h2_E8F1E7E78F70_b26ce05bbdd6" } ] }""", "\"ja4\" is not a JA4 fingerprint")]
    [InlineData("""{ "family": "chromium", "kind": "tls-browser", SOURCE, "entries": [ { "ja4Ciphers": "8daaf615277" } ] }""", "\"ja4Ciphers\" is not a JA4 cipher hash")]
    [InlineData("""{ "family": "firefox", "kind": "tls-browser", SOURCE, "entries": [ { "ja4Ciphers": "5b57614c22b0" } ] }""", "a tls-browser file describes the family \"chromium\"")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "cloud", SOURCE, "entries": [ { "cidr": "192.0.2.0/24" } ] }""", "\"category\" of a network file must be one of vendor, datacenter, person-relay, crawler, monitor, link-previewer (found \"cloud\")")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "crawler", SOURCE, "feeds": [ { "url": "ftp://example.org/list" } ], "entries": [ { "cidr": "192.0.2.0/24" } ] }""", "feeds[0]: \"url\" must be the http(s) address")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "crawler", SOURCE, "feeds": [], "entries": [ { "cidr": "192.0.2.0/24" } ] }""", "\"feeds\" is empty")]
    [InlineData("""{ "family": "f", "kind": "network", "category": "crawler", SOURCE, "feeds": [ { "url": "https://example.org/a", "format": "csv" } ], "entries": [ { "cidr": "192.0.2.0/24" } ] }""", "not a valid signature file")]
    [InlineData("""{ "family": "f", "kind": "user-agent", "category": "library", SOURCE, "noFeed": "why", "entries": [ { "pattern": "^x/" } ] }""", "\"feeds\" and \"noFeed\" belong to network files only")]
    public void BadFile_IsRefusedWithItsNameAndProblem(string json, string expected)
    {
        var error = Assert.Throws<SignatureLoadException>(() => SignatureLoader.Load([("bad.json", json.Replace("SOURCE", Source))]));

        var line = Assert.Single(error.Errors);
        Assert.StartsWith("bad.json: ", line);
        Assert.Contains(expected, line);
    }

    [Fact]
    public void EveryProblem_IsReportedAtOnce()
    {
        var good = """{ "family": "f", "kind": "user-agent", "category": "library", SOURCE, "entries": [ { "pattern": "^ok/" } ] }""".Replace("SOURCE", Source);
        var bad = """{ "family": "g", "kind": "network", "category": "vendor", SOURCE, "entries": [ { "cidr": "nope" }, { "cidr": "1.2.3.0/33" } ] }""".Replace("SOURCE", Source);

        var error = Assert.Throws<SignatureLoadException>(() => SignatureLoader.Load([("good.json", good), ("bad.json", bad)]));

        Assert.Equal(2, error.Errors.Count);
    }

    [Fact]
    public void PersonRelay_InsideADatacenterBlock_CancelsTheDatacenterSignal()
    {
        var set = SignatureLoader.Load(
        [
            ("dc.json", """{ "family": "dc", "kind": "network", "category": "datacenter", SOURCE, "entries": [ { "cidr": "198.51.100.0/24" } ] }""".Replace("SOURCE", Source)),
            ("relay.json", """{ "family": "relay", "kind": "network", "category": "person-relay", SOURCE, "entries": [ { "cidr": "198.51.100.128/25" } ] }""".Replace("SOURCE", Source)),
        ]);
        var detector = new Signals.StatelessDetector(set);

        Assert.Equal("net.datacenter", detector.Detect(Requests.Browser(address: "198.51.100.7")).ToString());
        Assert.Equal("", detector.Detect(Requests.Browser(address: "198.51.100.200")).ToString());
    }

    [Fact]
    public void EntrySource_OverridesAndSuppliesTheFileSource()
    {
        var json = """{ "family": "f", "kind": "network", "category": "vendor", "entries": [ { "cidr": "192.0.2.0/24", "source": "https://example.org/list", "taken": "2026-11-23" } ] }""";

        var set = SignatureLoader.Load([("ok.json", json)]);

        Assert.Equal("f", set.Networks.Lookup(System.Net.IPAddress.Parse("192.0.2.9"))?.Family);
    }
}
