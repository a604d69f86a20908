using System.Globalization;
using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;
using LinkGateway.Links;
using LinkGateway.Observability;
using LinkGateway.Scoring;

namespace LinkGateway.Evaluation;

/// <summary>Counts of a replay: by route kind × verdict, reasons, networks, shield and absorb impact, and, with labels, the confusion matrix.</summary>
public sealed class EvaluationSummary
{
    private readonly Dictionary<(LinkKind, VerdictKind), long> _byKind = [];
    private readonly Dictionary<string, long> _reasons = new(StringComparer.Ordinal);
    private readonly HeavyHitters _botNetworks = new(1024);
    private readonly Dictionary<(bool LabelBot, VerdictKind Verdict), long> _confusion = [];
    private readonly List<string> _badLineSamples = [];

    public long Requests { get; private set; }

    public long BadLines { get; private set; }

    public long Unrouted { get; private set; }

    public long ShieldedUnsubscribes { get; private set; }

    public long AbsorbedOpens { get; private set; }

    public long Labelled => _confusion.Values.Sum();

    /// <summary>Lines whose own label (JSON "label") <see cref="Labels.IsBot"/> does not know.</summary>
    public long UnreadableLabels { get; private set; }

    /// <summary>"line N: \"label\"" of the first of <see cref="UnreadableLabels"/>; null when none was.</summary>
    public string? FirstUnreadableLabel { get; private set; }

    /// <summary>"line N: why" of the first refused line; null when none was.</summary>
    public string? FirstBadLine => _badLineSamples.Count > 0 ? _badLineSamples[0] : null;

    /// <summary>Of the requests labelled bot, how many the gateway flagged (suspect or bot), and how many it called bot.</summary>
    public (double Flagged, double Bot) Recall => (Rate(true, v => v != VerdictKind.Human), Rate(true, v => v == VerdictKind.Bot));

    /// <summary>Of the requests labelled human, how many the gateway flagged, and how many it called bot.</summary>
    public (double Flagged, double Bot) PeopleFlagged => (Rate(false, v => v != VerdictKind.Human), Rate(false, v => v == VerdictKind.Bot));

    /// <summary>Of the requests the gateway called bot, how many were labelled bot.</summary>
    public double Precision
    {
        get
        {
            var called = _confusion.Where(c => c.Key.Verdict == VerdictKind.Bot).Sum(c => c.Value);
            return called == 0 ? double.NaN : (double)_confusion.GetValueOrDefault((true, VerdictKind.Bot)) / called;
        }
    }

    public void AddBadLine(long line, string problem)
    {
        BadLines++;
        if (_badLineSamples.Count < 5)
        {
            _badLineSamples.Add($"line {line}: {problem}");
        }
    }

    public void AddUnrouted() => Unrouted++;

    /// <summary>Counted, never silently dropped: a typo would otherwise shrink the labelled set and skew precision and recall unseen.</summary>
    public void AddUnreadableLabel(long line, string label)
    {
        UnreadableLabels++;
        FirstUnreadableLabel ??= $"line {line}: \"{AccessLogFormats.Shorten(label)}\"";
    }

    public void Add(ReplayOutcome outcome, string? label)
    {
        Requests++;
        var verdict = outcome.Verdict;
        _byKind[(outcome.Kind, verdict.Kind)] = _byKind.GetValueOrDefault((outcome.Kind, verdict.Kind)) + 1;
        foreach (var reason in verdict.Reasons.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            _reasons[reason] = _reasons.GetValueOrDefault(reason) + 1;
        }

        if (verdict.Kind == VerdictKind.Bot && NetworkPrefix.Of(outcome.Request.ClientAddress) is { } prefix)
        {
            _botNetworks.Add(prefix);
        }

        ShieldedUnsubscribes += outcome.Kind == LinkKind.Unsubscribe && outcome.Action == GuardAction.Interstitial ? 1 : 0;
        AbsorbedOpens += outcome.Action == GuardAction.Absorb ? 1 : 0;
        if (Labels.IsBot(label) is { } labelBot)
        {
            _confusion[(labelBot, verdict.Kind)] = _confusion.GetValueOrDefault((labelBot, verdict.Kind)) + 1;
        }
    }

    public void Write(TextWriter output)
    {
        var c = CultureInfo.InvariantCulture;
        output.WriteLine(string.Create(c, $"requests {Requests:N0}; lines refused {BadLines:N0}; without a route {Unrouted:N0}"));
        foreach (var sample in _badLineSamples)
        {
            output.WriteLine($"  refused {sample}");
        }

        output.WriteLine();
        output.WriteLine("route kind      human     suspect   bot");
        foreach (var kind in Enum.GetValues<LinkKind>().Where(k => _byKind.Keys.Any(x => x.Item1 == k)))
        {
            output.WriteLine(string.Create(c,
                $"{kind.ToName(),-14}{_byKind.GetValueOrDefault((kind, VerdictKind.Human)),-10}{_byKind.GetValueOrDefault((kind, VerdictKind.Suspect)),-10}{_byKind.GetValueOrDefault((kind, VerdictKind.Bot))}"));
        }

        output.WriteLine();
        output.WriteLine(string.Create(c, $"unsubscribes shielded (the origin would not have been called): {ShieldedUnsubscribes:N0}"));
        output.WriteLine(string.Create(c, $"opens absorbed: {AbsorbedOpens:N0}"));
        output.WriteLine();
        output.WriteLine("reasons");
        foreach (var (reason, count) in _reasons.OrderByDescending(r => r.Value).ThenBy(r => r.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(c, $"  {reason,-24}{count:N0}"));
        }

        output.WriteLine();
        output.WriteLine(_botNetworks.Approximate ? "top networks by bot verdicts (at least; heavy-hitter counts)" : "top networks by bot verdicts");
        foreach (var (network, bot) in _botNetworks.Top(10))
        {
            output.WriteLine(string.Create(c, $"  {network,-24}{bot:N0}"));
        }

        if (UnreadableLabels > 0)
        {
            output.WriteLine();
            output.WriteLine(string.Create(c,
                $"labels in the log: {UnreadableLabels:N0} unreadable, the --labels file's used instead or not counted (first: {FirstUnreadableLabel}; expected bot or human)"));
        }

        if (Labelled == 0)
        {
            return;
        }

        output.WriteLine();
        output.WriteLine(string.Create(c, $"labelled {Labelled:N0}: label \\ verdict   human     suspect   bot"));
        foreach (var labelBot in new[] { false, true })
        {
            output.WriteLine(string.Create(c,
                $"  {(labelBot ? "bot" : "human"),-22}{_confusion.GetValueOrDefault((labelBot, VerdictKind.Human)),-10}{_confusion.GetValueOrDefault((labelBot, VerdictKind.Suspect)),-10}{_confusion.GetValueOrDefault((labelBot, VerdictKind.Bot))}"));
        }

        output.WriteLine(string.Create(c, $"precision (bot verdicts labelled bot): {Percent(Precision)}"));
        output.WriteLine(string.Create(c, $"recall (labelled bot flagged suspect or bot): {Percent(Recall.Flagged)}; called bot: {Percent(Recall.Bot)}"));
        output.WriteLine(string.Create(c, $"people flagged suspect or bot: {Percent(PeopleFlagged.Flagged)}; called bot: {Percent(PeopleFlagged.Bot)}"));
    }

    /// <summary>A share as the report prints it; "n/a" when nothing was there to divide (no request labelled that way, no bot verdict).</summary>
    private static string Percent(double share) => double.IsNaN(share) ? "n/a" : share.ToString("P2", CultureInfo.InvariantCulture);

    private double Rate(bool labelBot, Func<VerdictKind, bool> counted)
    {
        var all = _confusion.Where(c => c.Key.LabelBot == labelBot).Sum(c => c.Value);
        return all == 0 ? double.NaN : (double)_confusion.Where(c => c.Key.LabelBot == labelBot && counted(c.Key.Verdict)).Sum(c => c.Value) / all;
    }
}

/// <summary>Label words of a labels file or a JSON line's "label".</summary>
public static class Labels
{
    /// <summary>True for bot-like labels, false for person-like ones, null when there is none or it is unknown.</summary>
    public static bool? IsBot(string? label) => label?.Trim().ToLowerInvariant() switch
    {
        "bot" or "scanner" or "automated" or "machine" => true,
        "human" or "person" or "people" => false,
        _ => null,
    };

    /// <summary>
    /// A labels file: "line,label" per line (line numbers of the log, from 1; a first line "line,label" is a header). A line
    /// that is neither (no number, or a label word <see cref="IsBot"/> does not know) is counted as unreadable, never
    /// silently dropped: a typo would otherwise shrink the labelled set and skew precision and recall unseen.
    /// </summary>
    public static LabelsFile Read(string path)
    {
        LogInput.RefuseDirectory(path);
        var labels = new Dictionary<long, string>();
        long unreadable = 0, number = 0;
        string? firstUnreadable = null;
        try
        {
            foreach (var row in File.ReadLines(path))
            {
                number++;
                var parts = row.Split(',', 2);
                if (string.IsNullOrWhiteSpace(row) || (number == 1 && parts[0].Trim().Equals("line", StringComparison.OrdinalIgnoreCase)))
                {
                    continue;
                }

                if (parts.Length == 2 && long.TryParse(parts[0].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var line) && IsBot(parts[1]) is not null)
                {
                    labels[line] = parts[1].Trim();
                    continue;
                }

                unreadable++;
                firstUnreadable ??= $"line {number}: \"{AccessLogFormats.Shorten(row)}\"";
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw LogInput.CannotRead(path, e);
        }

        return new LabelsFile(labels, unreadable, firstUnreadable);
    }
}

/// <summary>The labels read from a labels file, and how many of its lines could not be read (with the first of them).</summary>
public sealed record LabelsFile(Dictionary<long, string> ByLine, long Unreadable, string? FirstUnreadable)
{
    /// <summary>The report's line about the file: how many labels it gave, and which lines it could not.</summary>
    public string Describe(string path) => Unreadable == 0
        ? string.Create(CultureInfo.InvariantCulture, $"labels: {ByLine.Count:N0} read from {path}")
        : string.Create(CultureInfo.InvariantCulture, $"labels: {ByLine.Count:N0} read from {path}; {Unreadable:N0} lines unreadable and not counted (first: {FirstUnreadable}; expected LINE,bot or LINE,human)");
}
