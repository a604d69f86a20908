using System.Globalization;
using System.Net;
using LinkGateway.Scoring;
using LinkGateway.Signatures;
using Xunit.Abstractions;

namespace LinkGateway.Evaluation;

/// <summary>
/// The populations of <see cref="SharedAddressScenarios"/> through the gateway's judgement, each into a fresh store, with
/// the targets asserted. Prints the table of docs/concepts/shared-addresses.md.
/// </summary>
public sealed class SharedAddressEvaluationTests(ITestOutputHelper output)
{
    private static readonly SignatureSet _signatures = SignatureLoader.LoadDirectory(RepoFiles.Signatures);

    [Fact]
    public void TheScenarioAddresses_AreInTheShippedNetworkLists()
    {
        // The populations mean what they say only if the shipped lists know these networks.
        foreach (var prefix in SharedAddressScenarios.RelayPrefixes)
        {
            Assert.Equal(NetworkCategory.PersonRelay, _signatures.Networks.Lookup(IPAddress.Parse(prefix + ".9"))?.Category);
        }

        foreach (var prefix in SharedAddressScenarios.CloudPrefixes)
        {
            Assert.Equal(NetworkCategory.Datacenter, _signatures.Networks.Lookup(IPAddress.Parse(prefix + ".9"))?.Category);
        }
    }

    [Fact]
    public async Task PrivateRelayUsers_StayPeople()
    {
        var outcomes = await ReplayAsync(SharedAddressScenarios.PrivateRelay());
        AssertPeople(outcomes, flagged: 0.01, bot: 0.002);
    }

    [Fact]
    public async Task ColleaguesBehindOneOfficeAddress_StayPeople()
    {
        var outcomes = await ReplayAsync(SharedAddressScenarios.OfficeNat());
        AssertPeople(outcomes, flagged: 0.02, bot: 0.002);
    }

    [Fact]
    public async Task APersonClickingSecondsAfterTheirOwnAntivirus_IsNotABot()
    {
        var outcomes = await ReplayAsync(SharedAddressScenarios.PersonAfterOwnAntivirus());
        AssertPeople(outcomes, flagged: 1.0, bot: 0.05);
        Assert.True(Scanners(outcomes).Rate(v => v == VerdictKind.Bot) >= 0.95, "the antivirus itself is still a bot");
    }

    [Fact]
    public async Task SandboxesInCloudRanges_AreCaught()
    {
        var outcomes = await ReplayAsync(SharedAddressScenarios.CloudSandboxes());
        var caught = Scanners(outcomes).Rate(v => v != VerdictKind.Human);
        Assert.True(caught >= 0.95, $"sandboxes caught {caught:P1}");
    }

    [Fact]
    public async Task OneScannerShapeBehindAnOfficeAddress_IsCaughtByItsFifthRecipient_WhileTheColleaguesStayPeople()
    {
        var outcomes = await ReplayAsync(SharedAddressScenarios.OfficeNat().Concat(SharedAddressScenarios.SingleShapeScannerAmongColleagues())
            .OrderBy(r => r.Request.Time).ToList());
        AssertPeople(outcomes, flagged: 0.02, bot: 0.002);
        var scanner = Scanners(outcomes);
        Assert.All(scanner.Skip(4), o => Assert.NotEqual(VerdictKind.Human, o.Outcome.Verdict.Kind));
    }

    private async Task<List<(ScenarioRequest Scenario, ReplayOutcome Outcome)>> ReplayAsync(List<ScenarioRequest> scenario)
    {
        var outcomes = await ScenarioReplay.RunAsync(scenario);
        foreach (var line in ScenarioReplay.Table(outcomes))
        {
            output.WriteLine(line);
        }

        foreach (var (request, outcome) in outcomes.Where(o => o.Scenario.IsPerson && o.Outcome.Verdict.Kind != VerdictKind.Human).Take(10))
        {
            output.WriteLine($"  person flagged: {outcome.Verdict.Score} {outcome.Verdict.Reasons} {request.Request.ClientAddress} {request.Request.Target}");
        }

        return outcomes;
    }

    /// <summary>The people's rates, but for the tab opened at delivery, which is a burst by design (docs/concepts/shared-addresses.md).</summary>
    private static void AssertPeople(List<(ScenarioRequest Scenario, ReplayOutcome Outcome)> outcomes, double flagged, double bot)
    {
        var people = outcomes.Where(o => o.Scenario.IsPerson && o.Scenario.Family != SharedAddressScenarios.TabAtDelivery).ToList();
        Assert.NotEmpty(people);
        var flaggedRate = people.Rate(v => v != VerdictKind.Human);
        var botRate = people.Rate(v => v == VerdictKind.Bot);
        Assert.True(flaggedRate <= flagged, string.Create(CultureInfo.InvariantCulture, $"people flagged {flaggedRate:P2}, target ≤ {flagged:P0}"));
        Assert.True(botRate <= bot, string.Create(CultureInfo.InvariantCulture, $"people called bot {botRate:P2}, target ≤ {bot:P1}"));
    }

    private static List<(ScenarioRequest Scenario, ReplayOutcome Outcome)> Scanners(List<(ScenarioRequest Scenario, ReplayOutcome Outcome)> outcomes) =>
        outcomes.Where(o => !o.Scenario.IsPerson).ToList();
}
