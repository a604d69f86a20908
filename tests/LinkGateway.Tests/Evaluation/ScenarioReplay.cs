using System.Globalization;
using LinkGateway.Scoring;

namespace LinkGateway.Evaluation;

/// <summary>
/// Replays generated requests through the gateway's judgement (the same engine as <c>evaluate</c>: <see cref="LogReplay"/>),
/// with the shipped configuration and signatures, into a fresh store.
/// </summary>
internal static class ScenarioReplay
{
    public static async Task<List<(ScenarioRequest Scenario, ReplayOutcome Outcome)>> RunAsync(IEnumerable<ScenarioRequest> scenario)
    {
        var configuration = EvaluateCommand.ReplayConfiguration(new LinkGateway.Hosting.GatewayLaunch(false, RepoFiles.ConfigFile, []));
        using var replay = new LogReplay(configuration, Path.GetDirectoryName(RepoFiles.ConfigFile)!);
        var outcomes = new List<(ScenarioRequest Scenario, ReplayOutcome Outcome)>();
        foreach (var request in scenario)
        {
            outcomes.Add((request, (await replay.ReplayAsync(request.Request))!));
        }

        return outcomes;
    }

    /// <summary>The share of <paramref name="outcomes"/> whose verdict <paramref name="counted"/> selects.</summary>
    public static double Rate(this IEnumerable<(ScenarioRequest Scenario, ReplayOutcome Outcome)> outcomes, Func<VerdictKind, bool> counted)
    {
        var list = outcomes.ToList();
        return (double)list.Count(o => counted(o.Outcome.Verdict.Kind)) / list.Count;
    }

    /// <summary>The table docs/evaluate.md shows: per family, requests, flagged (suspect or bot) and bot.</summary>
    public static IEnumerable<string> Table(IEnumerable<(ScenarioRequest Scenario, ReplayOutcome Outcome)> outcomes)
    {
        yield return "| family | requests | flagged (suspect or bot) | bot |";
        yield return "|---|---|---|---|";
        foreach (var family in outcomes.GroupBy(o => o.Scenario.Family).OrderBy(g => g.First().Scenario.IsPerson).ThenBy(g => g.Key, StringComparer.Ordinal))
        {
            yield return string.Create(CultureInfo.InvariantCulture,
                $"| {family.Key} | {family.Count()} | {family.Rate(v => v != VerdictKind.Human):P1} | {family.Rate(v => v == VerdictKind.Bot):P1} |");
        }
    }
}
