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
        var outcomes = await ScenarioReplay.RunAsync(ScenarioGenerator.Generate());
        foreach (var line in ScenarioReplay.Table(outcomes))
        {
            output.WriteLine(line);
        }

        var people = outcomes.Where(o => o.Scenario.IsPerson).ToList();
        var peopleFlagged = people.Rate(v => v != VerdictKind.Human);
        var peopleBot = people.Rate(v => v == VerdictKind.Bot);
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
            var recall = family.Rate(v => v != VerdictKind.Human);
            Assert.True(recall >= target, $"{family.Key}: recall {recall:P1} below {target:P0}");
        }
    }
}
