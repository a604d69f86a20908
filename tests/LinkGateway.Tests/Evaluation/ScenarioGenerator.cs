using System.Net;

namespace LinkGateway.Evaluation;

/// <summary>One generated request, with the family it belongs to and whether that family is people.</summary>
public sealed record ScenarioRequest(ReplayRequest Request, string Family, bool IsPerson);

/// <summary>
/// A synthetic campaign, built from published facts about how each scanner family and each kind of
/// person reaches links (see docs/evaluate.md). One message, 1,100 recipients, sent at once;
/// each family's requests are shaped as that family sends them. Deterministic (fixed seed).
/// </summary>
public static class ScenarioGenerator
{
    public static readonly DateTimeOffset SentAt = new(2026, 11, 20, 8, 0, 0, TimeSpan.Zero);

    private const string Chrome = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
    private static readonly string[] _browsers =
    [
        Chrome,
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36",
    ];

    public static List<ScenarioRequest> Generate(int seed = 20261123)
    {
        var random = new Random(seed);
        var requests = new List<ScenarioRequest>();
        var t = SentAt.ToUnixTimeSeconds();
        DateTimeOffset Delivery() => SentAt.AddSeconds(random.Next(0, 30));
        string Residential() => $"100.{64 + random.Next(64)}.{random.Next(256)}.{random.Next(1, 255)}";

        void Add(string family, bool person, DateTimeOffset at, string ip, string target, string? ua, bool browserHeaders,
            string? requestedWith = null, string method = "GET", string? acceptLanguage = null)
        {
            requests.Add(new ScenarioRequest(new ReplayRequest(0, at, IPAddress.Parse(ip), method, target, ua, HeadersKnown: true,
                Accept: browserHeaders ? "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8" : "*/*",
                AcceptLanguage: browserHeaders ? "en-GB,en;q=0.9" : acceptLanguage,
                SecFetchMode: browserHeaders ? "navigate" : null,
                RequestedWith: requestedWith, Label: person ? "human" : "bot"), family, person));
        }

        // A scanner vets every link and the unsubscribe link of a recipient's copy, all at once.
        void ScanAll(string family, int recipient, DateTimeOffset at, string ip, string? ua, bool browserHeaders, double spreadSeconds)
        {
            for (var link = 1; link <= 4; link++)
            {
                Add(family, false, at.AddSeconds(random.NextDouble() * spreadSeconds), ip, $"/c/m-1/r-{recipient}/l-{link}?t={t}", ua, browserHeaders);
            }

            Add(family, false, at.AddSeconds(random.NextDouble() * spreadSeconds), ip, $"/u/m-1/r-{recipient}", ua, browserHeaders);
        }

        // Scanners.
        for (var r = 0; r < 150; r++)
        {
            ScanAll("Safe Links from Exchange Online Protection", r, Delivery(), $"40.107.{random.Next(256)}.{random.Next(1, 255)}", Chrome, true, 2);
        }

        var azure = Enumerable.Range(0, 5).Select(i => $"20.190.{128 + i}.{random.Next(1, 255)}").ToArray();
        for (var r = 150; r < 300; r++)
        {
            ScanAll("Safe Links from other Azure ranges", r, Delivery(), azure[random.Next(azure.Length)], Chrome, true, 2);
        }

        for (var r = 300; r < 380; r++)
        {
            ScanAll("Proofpoint-like (vendor network, bare headers)", r, Delivery(), $"67.231.{150 + random.Next(4)}.{random.Next(1, 255)}", Chrome, false, 3);
        }

        for (var r = 380; r < 450; r++)
        {
            ScanAll("Barracuda link protection", r, Delivery(), $"209.222.{80 + random.Next(8)}.{random.Next(1, 255)}", "Barracuda Sentinel (EE)", false, 3);
        }

        var sandboxes = Enumerable.Range(0, 20).Select(_ => $"88.198.{random.Next(256)}.{random.Next(1, 255)}").ToArray();
        for (var r = 450; r < 550; r++)
        {
            // Detonation: a real browser with perfect headers opens one or two links, seconds after delivery.
            var at = Delivery().AddSeconds(random.Next(2, 15));
            var ip = sandboxes[random.Next(sandboxes.Length)];
            for (var link = 1; link <= 1 + random.Next(2); link++)
            {
                Add("URL-detonation sandbox, perfect browser headers", false, at.AddSeconds(random.NextDouble() * 2), ip, $"/c/m-1/r-{r}/l-{link}?t={t}", Chrome, true);
            }
        }

        for (var r = 550; r < 630; r++)
        {
            // Antivirus on the recipient's own desktop, at delivery, from the person's own address; the person clicks hours later.
            var home = Residential();
            ScanAll("Antivirus on the recipient's desktop", r, Delivery(), home, "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.1; Trident/7.0)", false, 1);
            Add("People: click hours later", true, SentAt.AddHours(1 + random.Next(40)), home, $"/c/m-1/r-{r}/l-{1 + random.Next(4)}?t={t}", _browsers[random.Next(_browsers.Length)], true);
        }

        for (var r = 630; r < 780; r++)
        {
            Add("Apple Mail Privacy Protection (machine open)", false, Delivery().AddSeconds(random.Next(1, 60)), $"172.226.{random.Next(256)}.{random.Next(1, 255)}", $"/o/m-1/r-{r}", "Mozilla/5.0", false);
        }

        // People.
        for (var r = 0; r < 550; r += 2)
        {
            Add("People: click hours later", true, SentAt.AddHours(1 + random.Next(47)).AddSeconds(random.Next(3600)), Residential(),
                $"/c/m-1/r-{r}/l-{1 + random.Next(4)}?t={t}", _browsers[random.Next(_browsers.Length)], true);
        }

        for (var r = 780; r < 880; r++)
        {
            Add("People: fast readers within a minute", true, Delivery().AddSeconds(random.Next(25, 60)), Residential(), $"/c/m-1/r-{r}/l-{1 + random.Next(4)}?t={t}",
                _browsers[random.Next(_browsers.Length)], true);
        }

        for (var r = 880; r < 930; r++)
        {
            Add("People: iCloud Private Relay", true, SentAt.AddMinutes(random.Next(5, 600)), $"172.224.{random.Next(256)}.{random.Next(1, 255)}",
                $"/c/m-1/r-{r}/l-{1 + random.Next(4)}?t={t}", _browsers[2], true);
        }

        for (var r = 930; r < 980; r++)
        {
            Add("People: mail-app webviews (X-Requested-With)", true, SentAt.AddMinutes(random.Next(5, 600)), Residential(), $"/c/m-1/r-{r}/l-{1 + random.Next(4)}?t={t}",
                "Mozilla/5.0 (Linux; Android 14; SM-S918B; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/131.0.0.0 Mobile Safari/537.36", true,
                requestedWith: random.Next(2) == 0 ? "com.microsoft.office.outlook" : "com.google.android.gm");
        }

        var office = Residential();
        for (var r = 980; r < 1040; r++)
        {
            var at = SentAt.AddMinutes(5 + (r - 980)).AddSeconds(random.Next(30));
            // Outlook loads images through Windows' HTTP stack: Accept */*, and the reader's display language.
            Add("People: colleagues behind one corporate NAT", true, at, office, $"/o/m-1/r-{r}",
                "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17928; Pro)", false, acceptLanguage: "en-GB");
            Add("People: colleagues behind one corporate NAT", true, at.AddSeconds(20 + random.Next(20)), office, $"/c/m-1/r-{r}/l-{1 + random.Next(4)}?t={t}", Chrome, true);
        }

        var gmail = Enumerable.Range(0, 10).Select(i => $"66.102.8.{10 + i}").ToArray();
        for (var i = 0; i < 200; i++)
        {
            Add("People: opens through Gmail's image proxy", true, SentAt.AddMinutes(random.Next(1, 2880)), gmail[random.Next(gmail.Length)],
                $"/o/m-1/r-{random.Next(1100)}", "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)", false);
        }

        for (var r = 1040; r < 1100; r++)
        {
            Add("People: unsubscribe page", true, SentAt.AddHours(random.Next(1, 48)), Residential(), $"/u/m-1/r-{r}", _browsers[random.Next(_browsers.Length)], true);
        }

        return requests.OrderBy(r => r.Request.Time).Select((r, i) => r with { Request = r.Request with { Line = i + 1 } }).ToList();
    }
}
