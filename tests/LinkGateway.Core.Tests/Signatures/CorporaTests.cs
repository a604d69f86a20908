using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using LinkGateway.TestSupport;

namespace LinkGateway.Signatures;

/// <summary>
/// The shipped User-Agent signatures against third-party corpora (tests/corpora/README.md). A browser
/// is judged as a person's browser would arrive (all headers), a crawler as it usually arrives (bare):
/// what is measured here is the User-Agent signatures, not the header shape.
/// </summary>
public class CorporaTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly StatelessDetector _detector = new(SignatureLoader.LoadDirectory(RepoFiles.Signatures));
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);

    private static readonly SignalSet _clientSignals = SignalSet.Empty
        .With(Signal.UaScanner).With(Signal.UaLibrary).With(Signal.UaHeadless).With(Signal.UaCrawler);

    [Fact]
    public void BrowserCorpus_IsNotFlagged()
    {
        var browsers = CorpusFile.Read(RepoFiles.Corpus("isbot-browsers.yml"));
        var flagged = browsers
            .Where(ua => (_detector.Detect(Requests.Browser(LinkKind.Click, ua)).Bits & _clientSignals.Bits) != 0)
            .ToList();

        // Target: at most 1 % of real browsers and apps carry a client-signature reason.
        output.WriteLine($"browsers flagged: {flagged.Count}/{browsers.Count}\n" + string.Join("\n", flagged));
        Assert.True(browsers.Count > 400);
        Assert.True(flagged.Count <= browsers.Count / 100, $"{flagged.Count}/{browsers.Count} flagged:\n" + string.Join("\n", flagged.Take(30)));
    }

    [Fact]
    public void CrawlerCorpus_IsFlaggedAsBot()
    {
        // Mailbox image proxies and mail clients are in generic bot lists, but on the open path they carry
        // people's opens: they are measured by OpenPixel tests, not counted as crawlers here.
        var crawlers = CorpusFile.Read(RepoFiles.Corpus("isbot-crawlers.yml"))
            .Where(ua => _detector.Signatures.UserAgents.Match(ua) is not (ClientCategory.ImageProxy or ClientCategory.MailClient))
            .ToList();
        var verdicts = crawlers.Select(ua => (ua, _scorer.Score(_detector.Detect(Requests.Bare(ua))).Kind)).ToList();
        var notFlagged = verdicts.Where(v => v.Kind == VerdictKind.Human).Select(v => v.ua).ToList();
        var bots = verdicts.Count(v => v.Kind == VerdictKind.Bot);

        // Targets: at least 95 % flagged (suspect or bot) and 90 % called bot on a click link. What is
        // not flagged is printed for curation.
        output.WriteLine($"crawlers flagged: {crawlers.Count - notFlagged.Count}/{crawlers.Count}; scored bot: {bots}/{crawlers.Count}");
        Assert.True(crawlers.Count > 500);
        Assert.True(notFlagged.Count <= crawlers.Count * 5 / 100, $"{notFlagged.Count}/{crawlers.Count} not flagged:\n" + string.Join("\n", notFlagged.Take(60)));
        Assert.True(bots >= crawlers.Count * 90 / 100, $"{bots}/{crawlers.Count} scored bot");
    }
}

/// <summary>Reads the corpora's simple YAML shape ("group:" then "  - value" lines) without a YAML library.</summary>
internal static class CorpusFile
{
    public static List<string> Read(string path) => File.ReadLines(path)
        .Where(line => line.StartsWith("  - ", StringComparison.Ordinal))
        .Select(line => Unquote(line[4..].Trim()))
        .Where(ua => ua.Length > 0)
        .ToList();

    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
        {
            return value[1..^1].Replace("''", "'");
        }

        if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
        {
            return value[1..^1].Replace("\\\"", "\"").Replace("\\\\", "\\");
        }

        return value;
    }
}
