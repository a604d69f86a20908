using System.Net;

namespace LinkGateway.Evaluation;

/// <summary>
/// People who share an address or a network with many others, and the scanners that must still be caught among them
/// (issue 12): iCloud Private Relay, an office behind one NAT, a person whose own antivirus fetched the links first,
/// detonation sandboxes in cloud ranges, and one scanner fanning out from a shared address. Each population is its own
/// campaign, replayed into a fresh store, so one population's numbers are its own. Deterministic (fixed seeds).
/// </summary>
public static class SharedAddressScenarios
{
    private static readonly DateTimeOffset _sentAt = ScenarioGenerator.SentAt;
    private static readonly long _t = _sentAt.ToUnixTimeSeconds();

    public const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    public const string SafariIos = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";
    private const string SafariMac = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15";

    /// <summary>
    /// iCloud Private Relay egress /24s (taken from Apple's published egress list, config/signatures/networks): many
    /// people at once on each, nearly all with the same Safari, reading a newsletter in its first minutes.
    /// </summary>
    public static readonly string[] RelayPrefixes =
    [
        "140.248.30", "146.75.192", "172.225.12", "172.225.26", "172.225.44", "172.225.68", "172.225.88", "172.225.116",
        "172.225.130", "172.225.144", "172.225.178", "172.225.194", "172.225.246", "172.226.20", "172.226.66", "172.226.150",
    ];

    /// <summary>Addresses in published cloud ranges (Amazon, Microsoft, Google Cloud, Oracle, DigitalOcean, Linode, Vultr).</summary>
    public static readonly string[] CloudPrefixes =
    [
        "3.3.20", "3.2.1", "9.130.7", "4.130.3", "34.64.12", "35.192.40", "51.170.40", "64.181.153", "46.101.77", "67.207.69",
        "45.33.20", "45.79.100", "45.63.9", "66.42.40",
    ];

    /// <summary>The family of a person's second link opened in a tab within the burst window at delivery: <c>burst.links</c>, by design.</summary>
    public const string TabAtDelivery = "People: a second link in a tab 1–3 s later, at delivery";

    /// <summary>Relay users: 16 relay /24s, 60 people each within the first five minutes after the send, 3 egress addresses per /24.</summary>
    public static List<ScenarioRequest> PrivateRelay(int seed = 12_01)
    {
        var random = new Random(seed);
        var requests = new List<ScenarioRequest>();
        var recipient = 0;
        foreach (var prefix in RelayPrefixes)
        {
            var egress = Enumerable.Range(0, 3).Select(_ => $"{prefix}.{random.Next(1, 255)}").ToArray();
            for (var person = 0; person < 60; person++, recipient++)
            {
                var at = _sentAt.AddSeconds(20 + random.Next(300));
                var ua = random.Next(10) == 0 ? SafariMac : SafariIos;
                var ip = egress[random.Next(egress.Length)];
                Add(requests, "People: iCloud Private Relay", true, at, ip, Click(recipient, 1 + random.Next(4)), ua, browser: true);
                switch (random.Next(4))
                {
                    case 0:
                        // Some read on and click a second link a little later.
                        Add(requests, "People: iCloud Private Relay", true, at.AddSeconds(20 + random.Next(120)), ip, Click(recipient, 1 + random.Next(4)), ua, browser: true);
                        break;
                    case 1:
                        // Some open a second link in a tab at once: that click is a burst (a known limit at delivery), and it must
                        // not make the others on the relay bots.
                        Add(requests, TabAtDelivery, true, at.AddSeconds(1 + random.NextDouble() * 2), ip, Click(recipient, 5), ua, browser: true);
                        break;
                }
            }
        }

        return Ordered(requests);
    }

    /// <summary>
    /// 50 offices, each with one address and one managed Chrome build: eight colleagues each click one link of their own
    /// copy a few seconds apart, 15–25 minutes after the send (the newsletter reaches them in the same minute).
    /// </summary>
    public static List<ScenarioRequest> OfficeNat(int seed = 12_02)
    {
        var random = new Random(seed);
        var requests = new List<ScenarioRequest>();
        for (var office = 0; office < 50; office++)
        {
            var ip = OfficeAddress(office);
            var start = _sentAt.AddMinutes(15 + random.Next(10));
            for (var colleague = 0; colleague < 8; colleague++)
            {
                var recipient = office * 8 + colleague;
                Add(requests, "People: eight colleagues behind one office NAT", true, start.AddSeconds(colleague * (2 + random.Next(4))), ip,
                    Click(recipient, 1 + random.Next(4)), Chrome, browser: true);
            }
        }

        return Ordered(requests);
    }

    /// <summary>
    /// 100 people whose own desktop antivirus fetches two of their links with a library User-Agent at delivery, from their
    /// own address; each person then clicks seconds later in a real browser. Only the person's click is scored here.
    /// </summary>
    public static List<ScenarioRequest> PersonAfterOwnAntivirus(int seed = 12_03)
    {
        var random = new Random(seed);
        var requests = new List<ScenarioRequest>();
        for (var recipient = 0; recipient < 100; recipient++)
        {
            var home = $"100.{64 + random.Next(64)}.{random.Next(256)}.{random.Next(1, 255)}";
            var delivered = _sentAt.AddSeconds(random.Next(30));
            Add(requests, "Antivirus on the person's own desktop", false, delivered, home, Click(recipient, 1), "Java/1.8.0_281", browser: false);
            Add(requests, "Antivirus on the person's own desktop", false, delivered.AddMilliseconds(300), home, Click(recipient, 2), "Java/1.8.0_281", browser: false);
            Add(requests, "People: click seconds after their own antivirus", true, delivered.AddSeconds(3 + random.Next(40)), home,
                Click(recipient, 1 + random.Next(4)), random.Next(2) == 0 ? Chrome : SafariMac, browser: true);
        }

        return Ordered(requests);
    }

    /// <summary>
    /// 200 detonations: a headless Chrome with perfect browser headers, from a cloud address, opens one or two links of a
    /// recipient's copy 2–15 s after delivery. Each sandbox address serves a few recipients over the run.
    /// </summary>
    public static List<ScenarioRequest> CloudSandboxes(int seed = 12_04)
    {
        var random = new Random(seed);
        var requests = new List<ScenarioRequest>();
        var addresses = CloudPrefixes.SelectMany(p => Enumerable.Range(0, 4).Select(_ => $"{p}.{random.Next(1, 255)}")).ToArray();
        for (var recipient = 0; recipient < 200; recipient++)
        {
            var at = _sentAt.AddSeconds(random.Next(0, 30) + 2 + random.Next(13)); // delivered within 30 s of the send, opened 2–15 s later
            var ip = addresses[random.Next(addresses.Length)];
            for (var link = 1; link <= 1 + random.Next(2); link++)
            {
                Add(requests, "URL-detonation sandbox in cloud ranges, perfect browser headers", false, at.AddSeconds(random.NextDouble() * 2), ip,
                    Click(recipient, link), Chrome, browser: true);
            }
        }

        return Ordered(requests);
    }

    /// <summary>
    /// One scanner with the office's own browser shape behind the first office's address, opening one link of each of 12
    /// other recipients' copies at delivery, a few seconds apart (replayed with <see cref="OfficeNat"/>).
    /// </summary>
    public static List<ScenarioRequest> SingleShapeScannerAmongColleagues(int seed = 12_05)
    {
        var random = new Random(seed);
        var requests = new List<ScenarioRequest>();
        for (var recipient = 1000; recipient < 1012; recipient++)
        {
            Add(requests, "One scanner shape fanning out behind a shared address", false, _sentAt.AddSeconds(5 + (recipient - 1000) * 2), OfficeAddress(0),
                Click(recipient, 1 + random.Next(4)), Chrome, browser: true);
        }

        return Ordered(requests);
    }

    private static string OfficeAddress(int office) => $"100.{64 + office}.7.{10 + office}";

    private static string Click(int recipient, int link) => $"/c/m-1/r-{recipient}/l-{link}?t={_t}";

    private static void Add(List<ScenarioRequest> requests, string family, bool person, DateTimeOffset at, string ip, string target, string ua, bool browser) =>
        requests.Add(new ScenarioRequest(new ReplayRequest(0, at, IPAddress.Parse(ip), "GET", target, ua, HeadersKnown: true,
            Accept: browser ? "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" : "*/*",
            AcceptLanguage: browser ? "en-GB,en;q=0.9" : null,
            SecFetchMode: browser ? "navigate" : null,
            Label: person ? "human" : "bot"), family, person));

    private static List<ScenarioRequest> Ordered(List<ScenarioRequest> requests) =>
        requests.OrderBy(r => r.Request.Time).Select((r, i) => r with { Request = r.Request with { Line = i + 1 } }).ToList();
}
