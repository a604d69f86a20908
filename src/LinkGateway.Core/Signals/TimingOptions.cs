using System.ComponentModel.DataAnnotations;

namespace LinkGateway.Signals;

/// <summary>Knobs of the stateless signals.</summary>
public sealed record TimingOptions
{
    /// <summary>
    /// A fetch sooner than this after the send time fires <c>timing.fast</c>. Default 20 seconds: scanners
    /// fetch within seconds of delivery, while even a fast reader needs longer to open and click.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FastAfterSend { get; init; } = TimeSpan.FromSeconds(20);

    public static TimingOptions Default { get; } = new();
}
