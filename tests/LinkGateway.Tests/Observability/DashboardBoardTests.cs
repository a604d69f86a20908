using LinkGateway.Contracts;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Observability;

/// <summary>The dashboard's memory: a ring of the last 60 minutes that forgets older ones, and fixed-size network counts.</summary>
public sealed class DashboardBoardTests
{
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 30, TimeSpan.Zero));

    [Fact]
    public void Minutes_AreTheLastHour_CurrentLast_AndAnHourLaterTheOldCountsAreGone()
    {
        var board = new DashboardBoard(_time);
        board.Add(LinkKind.Click, Verdict(), GuardAction.Forward, "198.51.100.0/24");
        board.Add(LinkKind.Click, Verdict(Signal.UaLibrary, Signal.HdrNoAcceptLanguage), GuardAction.Forward, "203.0.113.0/24");

        var now = board.Snapshot();
        _time.Advance(TimeSpan.FromMinutes(60));
        board.Add(LinkKind.Click, Verdict(), GuardAction.Forward, null);
        var hourLater = board.Snapshot();

        Assert.Equal(DashboardBoard.Minutes, now.Minutes.Count);
        Assert.Equal((1, 0, 1), (now.Minutes[^1].Human, now.Minutes[^1].Suspect, now.Minutes[^1].Bot));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero), now.Minutes[^1].Minute);
        Assert.Equal((1, 0, 0), (hourLater.Minutes[^1].Human, hourLater.Minutes[^1].Suspect, hourLater.Minutes[^1].Bot)); // same slot, reused
        Assert.Equal(1, hourLater.Minutes.Sum(m => m.Human + m.Bot));
        Assert.Equal("203.0.113.0/24", Assert.Single(hourLater.TopBotNetworks).Name); // networks are totals, not windowed
    }

    [Fact]
    public void ShieldAndOpens_AreCountedByWhatHappened()
    {
        var board = new DashboardBoard(_time);
        board.Add(LinkKind.Unsubscribe, Verdict(Signal.UaLibrary), GuardAction.Interstitial, null);
        board.Add(LinkKind.Unsubscribe, Verdict(Signal.PassHuman), GuardAction.Forward, null);
        board.Add(LinkKind.Open, Verdict(Signal.OpenMachine), GuardAction.Absorb, null);
        board.Add(LinkKind.Open, Verdict(Signal.OpenProxyHuman), GuardAction.Forward, null);

        var snapshot = board.Snapshot();

        Assert.Equal(new ShieldFunnel(1, 1), snapshot.Shield);
        Assert.Equal(new OpenSources(Machine: 1, ProxyHuman: 1, Other: 0, Absorbed: 1), snapshot.Opens);
        Assert.Equal(["open.machine", "open.proxy-human", "pass.human", "ua.library"], snapshot.Reasons.Select(r => r.Name).Order(StringComparer.Ordinal));
    }

    private static Verdict Verdict(params Signal[] signals) =>
        _scorer.Score(signals.Aggregate(SignalSet.Empty, (set, signal) => set.With(signal)));
}
