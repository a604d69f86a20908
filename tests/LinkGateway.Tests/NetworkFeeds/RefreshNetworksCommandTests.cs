using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using LinkGateway.Signatures;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.NetworkFeeds;

/// <summary>
/// refresh-networks against feeds served by a real Kestrel on loopback (JSON, CSV-like text, bare addresses, a JSON field),
/// offline from a folder of merged lists, and every way a feed can fail: the file is then kept byte for byte.
/// </summary>
public sealed class RefreshNetworksCommandTests : IAsyncLifetime
{
    private static readonly DateTimeOffset _now = new(2026, 11, 29, 9, 0, 0, TimeSpan.Zero);

    private readonly ConcurrentQueue<string> _userAgents = new();
    private WebApplication _feeds = null!;
    private string _base = null!;
    private string _folder = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        _feeds = builder.Build();
        _feeds.Use((context, next) =>
        {
            _userAgents.Enqueue(context.Request.Headers.UserAgent.ToString());
            return next(context);
        });
        // Shaped like Amazon's ip-ranges.json: numbers and dates that are no addresses, overlapping and neighbouring blocks.
        _feeds.MapGet("/ip-ranges.json", () => Microsoft.AspNetCore.Http.Results.Text("""
            { "syncToken": "1732868400", "createDate": "2026-11-29-08-00-00",
              "prefixes": [ { "ip_prefix": "3.2.4.0/24", "region": "us-east-1" }, { "ip_prefix": "3.2.5.0/24", "region": "us-east-1" },
                            { "ip_prefix": "3.2.4.128/25", "region": "us-east-1" }, { "ip_prefix": "52.94.76.0/22", "region": "us-west-2" } ],
              "ipv6_prefixes": [ { "ipv6_prefix": "2600:1f00::/40", "region": "us-east-1" } ] }
            """, "application/json"));
        // Bare probe addresses, one a line (Pingdom, StatusCake), with a host bit set in a CIDR.
        _feeds.MapGet("/probes", () => Microsoft.AspNetCore.Http.Results.Text("52.59.46.112\n2a00:9080:2145:e::4048\n 94.75.211.73 \n185.180.12.65/24\n"));
        // A VPN API that lists entry and exit addresses: only the exits are people's.
        _feeds.MapGet("/logicals", () => Microsoft.AspNetCore.Http.Results.Json(new
        {
            LogicalServers = new[]
            {
                new { Name = "CH#1", Servers = new[] { new { EntryIP = "185.159.157.10", ExitIP = "185.159.157.11" } } },
                new { Name = "NL#2", Servers = new[] { new { EntryIP = "185.107.56.20", ExitIP = "185.107.56.21" } } },
            },
        }));
        _feeds.MapGet("/nothing", () => Microsoft.AspNetCore.Http.Results.Text("<html><body>Moved to our new portal, version 2.1</body></html>", "text/html"));
        _feeds.MapGet("/reserved", () => Microsoft.AspNetCore.Http.Results.Text("10.0.0.0/8\n192.168.1.0/24\n0.0.0.0/0\n2001:db8::/32\n"));
        _feeds.MapGet("/html", () => Microsoft.AspNetCore.Http.Results.Text("<html>not json</html>", "text/html"));
        await _feeds.StartAsync();
        _base = _feeds.Urls.Single();
        _folder = Directory.CreateTempSubdirectory("lg-networks-").FullName;
    }

    public async Task DisposeAsync()
    {
        await _feeds.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Feed_RewritesEntriesAndDate_MergedAndInOrder_KeepingEverythingElse()
    {
        var path = WriteFile("cloud", "datacenter", [$"{_base}/ip-ranges.json"], ["198.51.100.0/24"], extra: "\"imageProxy\": \"SomeProxy\",");

        var (exit, output) = await RunAsync();

        Assert.Equal(0, exit);
        Assert.Contains("cloud.json: 3 ranges (3 new, 1 gone), taken 2026-11-29", output, StringComparison.Ordinal);
        var file = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(["family", "kind", "category", "description", "source", "imageProxy", "taken", "feeds", "entries"], file.Select(p => p.Key));
        Assert.Equal("2026-11-29", (string?)file["taken"]);
        Assert.Equal("A test list: weak evidence.", (string?)file["description"]);
        Assert.Equal("SomeProxy", (string?)file["imageProxy"]);
        Assert.Equal($"{_base}/ip-ranges.json", (string?)file["feeds"]![0]!["url"]);
        Assert.Equal(["3.2.4.0/23", "52.94.76.0/22", "2600:1f00::/40"], file["entries"]!.AsArray().Select(e => (string?)e!["cidr"]));
        var list = Assert.Single(SignatureLoader.Load([("cloud.json", File.ReadAllText(path))]).NetworkLists);
        Assert.Equal(new DateOnly(2026, 11, 29), list.Taken);
        Assert.All(_userAgents, ua => Assert.StartsWith("LinkGateway-refresh-networks/", ua, StringComparison.Ordinal));
    }

    [Fact]
    public async Task BareAddresses_AreHosts_AndAFieldReadsOnlyThatProperty()
    {
        var probes = WriteFile("probes", "monitor", [$"{_base}/probes"], ["192.0.2.1/32"]);
        var vpn = WriteFile("vpn", "person-relay", [$"{_base}/logicals"], ["192.0.2.2/32"], feedField: "ExitIP");

        var (exit, _) = await RunAsync();

        Assert.Equal(0, exit);
        Assert.Equal(["52.59.46.112/32", "94.75.211.73/32", "185.180.12.0/24", "2a00:9080:2145:e::4048/128"], Cidrs(probes));
        Assert.Equal(["185.107.56.21/32", "185.159.157.11/32"], Cidrs(vpn));
    }

    [Theory]
    [InlineData("/missing", "answered 404")]
    [InlineData("/nothing", "yielded no network")]
    [InlineData("/reserved", "yielded no network (4 refused, e.g. 10.0.0.0/8: private; 192.168.1.0/24: private; 0.0.0.0/0: shorter than /8")]
    [InlineData("/html", "is not the JSON its \"field\" (ExitIP) needs")]
    [InlineData("CLOSED", "failed:")]
    public async Task FailingFeed_KeepsTheFileByteForByte_AndSaysWhy(string feed, string expected)
    {
        var url = feed == "CLOSED" ? ClosedPortUrl() : _base + feed;
        // A good feed first: one failing feed of several still keeps the whole file (half a list would drop ranges).
        var path = feed == "/html"
            ? WriteFile("kept", "crawler", [url], ["192.0.2.0/24"], feedField: "ExitIP")
            : WriteFile("kept", "crawler", [$"{_base}/ip-ranges.json", url], ["192.0.2.0/24"]);
        var before = File.ReadAllBytes(path);

        var (exit, output) = await RunAsync();

        Assert.Equal(1, exit);
        Assert.Contains($"kept.json: kept: {url} ", output, StringComparison.Ordinal);
        Assert.Contains(expected, output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public async Task FileWithoutAFeed_IsSkippedWithItsReason_AndOthersRefreshed()
    {
        var manual = WriteFile("weekly", "datacenter", null, ["192.0.2.0/24"], extra: "\"noFeed\": \"The vendor renames its file every week.\",");
        var handMade = WriteFile("by-hand", "vendor", null, ["198.51.100.0/24"]);
        var fed = WriteFile("fed", "datacenter", [$"{_base}/ip-ranges.json"], ["192.0.2.0/24"]);
        var before = File.ReadAllText(manual) + File.ReadAllText(handMade);

        var (exit, output) = await RunAsync();

        Assert.Equal(0, exit);
        Assert.Contains("weekly.json: skipped, no feed to fetch: The vendor renames its file every week.", output, StringComparison.Ordinal);
        Assert.Contains("by-hand.json: skipped, names no feeds", output, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllText(manual) + File.ReadAllText(handMade));
        Assert.Equal(3, Cidrs(fed).Count);
    }

    [Fact]
    public async Task Only_RefreshesTheNamedFamilies_AndRefusesAnUnknownOne()
    {
        var one = WriteFile("one", "datacenter", [$"{_base}/ip-ranges.json"], ["192.0.2.0/24"]);
        var two = WriteFile("two", "datacenter", [$"{_base}/ip-ranges.json"], ["192.0.2.0/24"]);

        var (exit, _) = await RunAsync("--only", "two");
        var (unknownExit, _, unknown) = await RunWithErrorsAsync("--only", "two,three");

        Assert.Equal(0, exit);
        Assert.Equal(["192.0.2.0/24"], Cidrs(one));
        Assert.Equal(3, Cidrs(two).Count);
        Assert.Equal(2, unknownExit);
        Assert.StartsWith("refresh-networks: --only: no network file of family three", unknown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task From_ReadsAFolderOfMergedLists_DatedAsTold()
    {
        var lists = Directory.CreateDirectory(Path.Combine(_folder, "..", Path.GetFileName(_folder) + "-lists")).FullName;
        Directory.CreateDirectory(Path.Combine(lists, "relay"));
        File.WriteAllText(Path.Combine(lists, "relay", "ipv4_merged.txt"), "172.224.226.0/27\n172.224.226.32/27\n");
        File.WriteAllText(Path.Combine(lists, "relay", "ipv6_merged.txt"), "2a02:26f7:b0c2:4000::/64\n");
        var relay = WriteFile("relay", "person-relay", null, ["192.0.2.0/24"], extra: "\"noFeed\": \"Offline only.\",");
        var absent = WriteFile("absent", "datacenter", null, ["192.0.2.0/24"]);
        try
        {
            var (exit, output) = await RunAsync("--from", lists, "--taken", "2026-08-22");
            var (undatedExit, _, undated) = await RunWithErrorsAsync("--from", lists);

            Assert.Equal(0, exit);
            Assert.Equal(["172.224.226.0/26", "2a02:26f7:b0c2:4000::/64"], Cidrs(relay));
            Assert.Equal("2026-08-22", (string?)JsonNode.Parse(File.ReadAllText(relay))!["taken"]);
            Assert.Contains("absent.json: skipped, no ", output, StringComparison.Ordinal);
            Assert.Equal(["192.0.2.0/24"], Cidrs(absent));
            Assert.Equal(2, undatedExit);
            Assert.StartsWith("refresh-networks: --taken: with --from", undated, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(lists, recursive: true);
        }
    }

    [Fact]
    public async Task ShippedFiles_AreWhatTheCommandWrites()
    {
        // The shipped lists, written out as a folder of merged lists and read back with --from: every file comes out byte for
        // byte as shipped, so the shipped files are the command's own output and a refresh diff shows only changed ranges.
        var shipped = Path.Combine(RepoFiles.Signatures, "networks");
        var lists = Directory.CreateDirectory(Path.Combine(_folder, "lists")).FullName;
        var copy = Directory.CreateDirectory(Path.Combine(_folder, "copy")).FullName;
        var regenerated = new List<string>();
        foreach (var path in Directory.GetFiles(shipped, "*.json"))
        {
            File.Copy(path, Path.Combine(copy, Path.GetFileName(path)));
            var file = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            if (file["feeds"] is null && file["noFeed"] is null)
            {
                continue; // taken by hand, entry by entry
            }

            var family = Directory.CreateDirectory(Path.Combine(lists, (string)file["family"]!)).FullName;
            var cidrs = file["entries"]!.AsArray().Select(e => (string)e!["cidr"]!).ToList();
            File.WriteAllLines(Path.Combine(family, "ipv4_merged.txt"), cidrs.Where(c => !c.Contains(':', StringComparison.Ordinal)));
            File.WriteAllLines(Path.Combine(family, "ipv6_merged.txt"), cidrs.Where(c => c.Contains(':', StringComparison.Ordinal)));
            Assert.Equal("2026-08-22", (string?)file["taken"]);
            regenerated.Add(Path.GetFileName(path));
        }

        var exit = await RefreshNetworksCommand.RunAsync(["--dir", copy, "--from", lists, "--taken", "2026-08-22"], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exit);
        Assert.True(regenerated.Count >= 22);
        Assert.All(regenerated, name => Assert.Equal(File.ReadAllText(Path.Combine(shipped, name)), File.ReadAllText(Path.Combine(copy, name))));
    }

    private async Task<(int Exit, string Output)> RunAsync(params string[] args)
    {
        var (exit, output, _) = await RunWithErrorsAsync(args);
        return (exit, output);
    }

    private async Task<(int Exit, string Output, string Errors)> RunWithErrorsAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var exit = await RefreshNetworksCommand.RunAsync(["--dir", _folder, .. args], output, errors, time: new FakeTimeProvider(_now));
        return (exit, output.ToString(), errors.ToString());
    }

    private string WriteFile(string family, string category, string[]? feeds, string[] cidrs, string? feedField = null, string extra = "")
    {
        var feedList = feeds is null ? string.Empty
            : $"\"feeds\": [ {string.Join(", ", feeds.Select(f => feedField is null ? $"{{ \"url\": \"{f}\" }}" : $"{{ \"url\": \"{f}\", \"field\": \"{feedField}\" }}"))} ],";
        var path = Path.Combine(_folder, family + ".json");
        File.WriteAllText(path, $$"""
            {
              "family": "{{family}}", "kind": "network", "category": "{{category}}", "description": "A test list: weak evidence.",
              "source": "https://example.org/{{family}}", {{extra}} "taken": "2026-01-01", {{feedList}}
              "entries": [ {{string.Join(", ", cidrs.Select(c => $"{{ \"cidr\": \"{c}\" }}"))}} ]
            }
            """);
        return path;
    }

    private static List<string> Cidrs(string path) =>
        [.. JsonNode.Parse(File.ReadAllText(path))!["entries"]!.AsArray().Select(e => (string)e!["cidr"]!)];

    /// <summary>A loopback address where nothing listens: a port taken and released.</summary>
    private static string ClosedPortUrl()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}/feed";
    }
}
