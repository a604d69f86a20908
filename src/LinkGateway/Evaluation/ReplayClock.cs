namespace LinkGateway.Evaluation;

/// <summary>The replay's clock: the time of the log line being replayed, so windows behave as they did live.</summary>
public sealed class ReplayClock : TimeProvider
{
    private DateTimeOffset _now = DateTimeOffset.UnixEpoch;

    public override DateTimeOffset GetUtcNow() => _now;

    /// <summary>Moves to a line's time; logs are mostly ordered, and time never runs backwards here.</summary>
    public void MoveTo(DateTimeOffset time)
    {
        if (time > _now)
        {
            _now = time;
        }
    }
}
