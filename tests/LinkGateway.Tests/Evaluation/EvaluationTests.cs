using System.Globalization;
using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Scoring;
using Xunit.Abstractions;

namespace LinkGateway.Evaluation;

/// <summary>
/// The generated campaign replayed through the gateway's judgement (the same engine as <c>evaluate</c>),
/// with the shipped configuration and signatures. Asserts the targets; prints the table docs/evaluate.md shows.
/// </summary>
public sealed class EvaluationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Campaign_MeetsTheTargets()
    {
        var scenario = ScenarioGenerator.Generate();
        var configuration = EvaluateCommand.ReplayConfiguration(new LinkGateway.Hosting.GatewayLaunch(false, RepoFiles.ConfigFile, []));
        using var replay = new LogReplay(configuration, Path.GetDirectoryName(RepoFiles.ConfigFile)!);
        var outcomes = new List<(ScenarioRequest Scenario, ReplayOutcome Outcome)>();
        foreach (var request in scenario)
        {
            outcomes.Add((request, (await replay.ReplayAsync(request.Request))!));
        }

        output.WriteLine("| family | requests | flagged (suspect or bot) | bot |");
        output.WriteLine("|---|---|---|---|");
        foreach (var family in outcomes.GroupBy(o => o.Scenario.Family).OrderBy(g => g.First().Scenario.IsPerson).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {family.Key} | {family.Count()} | {Rate(family, v => v != VerdictKind.Human):P1} | {Rate(family, v => v == VerdictKind.Bot):P1} |"));
        }

        var people = outcomes.Where(o => o.Scenario.IsPerson).ToList();
        var peopleFlagged = Rate(people, v => v != VerdictKind.Human);
        var peopleBot = Rate(people, v => v == VerdictKind.Bot);
        var scannerUnsubscribes = outcomes.Count(o => !o.Scenario.IsPerson && o.Outcome.Kind == LinkKind.Unsubscribe && o.Outcome.Action == GuardAction.Forward);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"people: {people.Count} requests, flagged {peopleFlagged:P2}, bot {peopleBot:P2}; scanner unsubscribes that reached the origin: {scannerUnsubscribes}"));
        foreach (var (request, outcome) in outcomes.Where(o => o.Scenario.IsPerson && o.Outcome.Verdict.Kind != VerdictKind.Human).Take(10))
        {
            output.WriteLine($"  person flagged: {request.Family}: {outcome.Verdict.Score} {outcome.Verdict.Reasons} {request.Request.Target}");
        }

        Assert.True(peopleFlagged <= 0.01, $"people flagged {peopleFlagged:P2}");
        Assert.True(peopleBot <= 0.001, $"people called bot {peopleBot:P2}");
        Assert.Equal(0, scannerUnsubscribes);
        foreach (var family in outcomes.Where(o => !o.Scenario.IsPerson).GroupBy(o => o.Scenario.Family))
        {
            var target = family.Key.StartsWith("URL-detonation", StringComparison.Ordinal) ? 0.80 : 0.95;
            var recall = Rate(family, v => v != VerdictKind.Human);
            Assert.True(recall >= target, $"{family.Key}: recall {recall:P1} below {target:P0}");
        }
    }

    private static double Rate(IEnumerable<(ScenarioRequest Scenario, ReplayOutcome Outcome)> outcomes, Func<VerdictKind, bool> counted)
    {
        var list = outcomes.ToList();
        return (double)list.Count(o => counted(o.Outcome.Verdict.Kind)) / list.Count;
    }
}
