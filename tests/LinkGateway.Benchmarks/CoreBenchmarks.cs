using System.Net;
using BenchmarkDotNet.Attributes;
using LinkGateway.Fingerprinting;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using LinkGateway.Signatures;
using LinkGateway.Signing;
using LinkGateway.TestSupport;

namespace LinkGateway.Benchmarks;

/// <summary>The stateless core: what every request pays before the store round trip.</summary>
[MemoryDiagnoser]
public class StatelessScoringBenchmarks
{
    private StatelessDetector _detector = null!;
    private VerdictScorer _scorer = null!;
    private RequestFingerprint[] _requests = null!;
    private int _next;

    [GlobalSetup]
    public void Setup()
    {
        _detector = new StatelessDetector(SignatureLoader.LoadDirectory(RepoFiles.Signatures));
        _scorer = new VerdictScorer(ScoringPolicy.Default);
        var now = DateTimeOffset.UtcNow;
        RequestFingerprint Make(string? ua, string address, bool browser, LinkKind kind = LinkKind.Click) => new()
        {
            Method = "GET", Kind = kind, UserAgent = ua, ClientAddress = IPAddress.Parse(address), ReceivedAt = now,
            Accept = browser ? "text/html,application/xhtml+xml,*/*;q=0.8" : "*/*", HasAcceptLanguage = browser, HasSecFetch = browser, IsSecureContext = true,
            Identity = new LinkIdentity("m-1", "r-1", "l-1", now.AddHours(-3)),
        };
        const string chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        _requests =
        [
            Make(chrome, "198.51.100.20", true),
            Make("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "100.70.1.2", true),
            Make("curl/8.5.0", "203.0.113.9", false),
            Make(chrome, "40.107.3.10", true),
            Make("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "66.249.66.1", false),
            Make("Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", "66.102.8.10", false, LinkKind.Open),
            Make("Mozilla/5.0", "172.226.1.1", false, LinkKind.Open),
            Make(chrome, "88.198.1.2", true),
        ];
        // Sixteen times as many browsers as the User-Agent memo has slots, each a build of its own: almost every request a miss.
        _unseen = Enumerable.Range(0, 65_536)
            .Select(i => Make(chrome.Replace("131.0.0.0", $"131.0.{i}.0", StringComparison.Ordinal), "198.51.100.20", true))
            .ToArray();
    }

    private RequestFingerprint[] _unseen = null!;

    /// <summary>Signals and score of one request of a realistic mix (no verdict object).</summary>
    [Benchmark]
    public int DetectAndScore()
    {
        ref readonly var request = ref _requests[_next++ & 7];
        return _scorer.ScoreOf(_detector.Detect(request));
    }

    /// <summary>A browser whose User-Agent the memo does not hold: the signatures scan it.</summary>
    [Benchmark]
    public int DetectAndScore_UnseenUserAgent()
    {
        ref readonly var request = ref _unseen[_next++ & 65_535];
        return _scorer.ScoreOf(_detector.Detect(request));
    }

    /// <summary>The same, producing the Verdict the header transform uses.</summary>
    [Benchmark]
    public Verdict DetectAndVerdict()
    {
        ref readonly var request = ref _requests[_next++ & 7];
        return _scorer.Score(_detector.Detect(request));
    }
}

/// <summary>Network lookups with many ranges loaded.</summary>
[MemoryDiagnoser]
public class NetworkLookupBenchmarks
{
    private NetworkRangeSet _set = null!;
    private IPAddress[] _probes = null!;
    private int _next;

    [Params(10_000, 100_000)]
    public int Ranges { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(42);
        var info = new NetworkInfo("bench", NetworkCategory.Datacenter, NetworkScope.All, Certainty.Probable);
        _set = NetworkRangeSet.Build(Enumerable.Range(0, Ranges).Select(_ =>
        {
            var bytes = new byte[4];
            random.NextBytes(bytes);
            bytes[3] = 0;
            return (new IPNetwork(new IPAddress(bytes), 24), info);
        }).DistinctBy(r => r.Item1));
        _probes = Enumerable.Range(0, 1024).Select(_ =>
        {
            var bytes = new byte[4];
            random.NextBytes(bytes);
            return new IPAddress(bytes);
        }).ToArray();
    }

    [Benchmark]
    public NetworkInfo? Lookup() => _set.Lookup(_probes[_next++ & 1023]);
}

/// <summary>
/// Network lookups with every shipped signature file loaded (the first-party cloud, relay, crawler, monitor and previewer lists
/// with the vendors'): half the probes are inside a listed block, half are random addresses.
/// </summary>
[MemoryDiagnoser]
public class ShippedNetworkLookupBenchmarks
{
    private NetworkRangeSet _set = null!;
    private IPAddress[] _probes = null!;
    private int _next;

    [Params("IPv4", "IPv6")]
    public string Family { get; set; } = "IPv4";

    [GlobalSetup]
    public void Setup()
    {
        var signatures = SignatureLoader.LoadDirectory(RepoFiles.Signatures);
        _set = signatures.Networks;
        Console.WriteLine($"// {signatures.NetworkLists.Count} network files, {signatures.NetworkLists.Sum(l => l.Ranges)} ranges, {_set.IntervalCount} intervals");
        var random = new Random(42);
        var v6 = Family == "IPv6";
        var listed = Directory.GetFiles(Path.Combine(RepoFiles.Signatures, "networks"), "*.json")
            .SelectMany(f => System.Text.Json.JsonDocument.Parse(File.ReadAllText(f)).RootElement.GetProperty("entries").EnumerateArray())
            .Select(e => IPNetwork.Parse(e.GetProperty("cidr").GetString()!))
            .Where(n => (n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6) == v6)
            .ToArray();
        _probes = Enumerable.Range(0, 1024).Select(i =>
        {
            var bytes = new byte[v6 ? 16 : 4];
            random.NextBytes(bytes);
            if (i % 2 == 0)
            {
                // An address inside a listed block: its base address with random host bits.
                var network = listed[random.Next(listed.Length)];
                var prefix = network.BaseAddress.GetAddressBytes();
                for (var bit = 0; bit < network.PrefixLength; bit++)
                {
                    var mask = (byte)(0x80 >> (bit % 8));
                    bytes[bit / 8] = (byte)((bytes[bit / 8] & ~mask) | (prefix[bit / 8] & mask));
                }
            }
            else if (v6)
            {
                bytes[0] = (byte)(0x20 | (bytes[0] & 0x0F)); // global unicast, where the lists are
            }

            return new IPAddress(bytes);
        }).ToArray();
    }

    [Benchmark]
    public NetworkInfo? Lookup() => _set.Lookup(_probes[_next++ & 1023]);
}

/// <summary>Reading and compiling every shipped signature file: what start-up and each hot reload pay.</summary>
[MemoryDiagnoser]
public class SignatureLoadBenchmarks
{
    [Benchmark]
    public SignatureSet LoadShippedSignatures() => SignatureLoader.LoadDirectory(RepoFiles.Signatures);
}

/// <summary>User-Agent matching with the full shipped signature set.</summary>
[MemoryDiagnoser]
public class UserAgentBenchmarks
{
    private UserAgentSignatures _signatures = null!;

    [Params("browser", "library", "crawler")]
    public string Client { get; set; } = "browser";

    private string _userAgent = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        _signatures = SignatureLoader.LoadDirectory(RepoFiles.Signatures).UserAgents;
        _userAgent = Client switch
        {
            "library" => "python-requests/2.32.3",
            "crawler" => "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
            _ => "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
        };
    }

    /// <summary>A value seen before: the memo's answer (people's User-Agents repeat).</summary>
    [Benchmark]
    public ClientCategory Match() => _signatures.Match(_userAgent);

    /// <summary>A value never seen: every alternation scans it (what a miss of the memo costs).</summary>
    [Benchmark]
    public ClientCategory Scan() => _signatures.Scan(_userAgent);
}

/// <summary>Signing the X-Bot-* headers, once per forwarded request.</summary>
[MemoryDiagnoser]
public class SigningBenchmarks
{
    private readonly BotHeaderSignature _signature = new(Enumerable.Range(0, 32).Select(i => (byte)i).ToArray());

    [Benchmark]
    public string Sign() => _signature.Sign(94, "bot", "ua.library,hdr.no-accept-language,hdr.accept-any", null, "GET", "/c/m-1001/r-42/l-1?t=1795395119", 1795395135);
}

/// <summary>A request's id: the runtime's version-7 <see cref="Guid"/> (a /dev/urandom read each) against <see cref="Guard.RequestIds"/>.</summary>
[MemoryDiagnoser]
public class RequestIdBenchmarks
{
    [Benchmark(Baseline = true)]
    public string GuidVersion7() => Guid.CreateVersion7().ToString("N");

    [Benchmark]
    public string RequestId() => Guard.RequestIds.New(DateTimeOffset.UtcNow);
}
