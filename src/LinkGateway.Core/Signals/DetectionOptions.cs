namespace LinkGateway.Signals;

/// <summary>Knobs of the stateless signals.</summary>
public sealed record DetectionOptions
{
    /// <summary>
    /// A fetch sooner than this after the send time fires <c>timing.fast</c>. Default 20 seconds: scanners
    /// fetch within seconds of delivery, while even a fast reader needs longer to open and click.
    /// </summary>
    public TimeSpan FastAfterSend { get; init; } = TimeSpan.FromSeconds(20);

    public static DetectionOptions Default { get; } = new();
}
