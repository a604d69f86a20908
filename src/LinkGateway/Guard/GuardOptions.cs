namespace LinkGateway.Guard;

public sealed class SignaturesOptions
{
    /// <summary>Folder of signature data files, relative to the configuration file's folder. Default "signatures".</summary>
    public string Path { get; set; } = "signatures";
}

/// <summary>The verdict thresholds; <see cref="Scoring.ScoringPolicy.Problems"/> holds their rules (ranges, order) with the weights'.</summary>
public sealed class ThresholdOptions
{
    /// <summary>Scores from here are "suspect".</summary>
    public int Suspect { get; set; } = Scoring.ScoringPolicy.DefaultSuspectThreshold;

    /// <summary>Scores from here are "bot".</summary>
    public int Bot { get; set; } = Scoring.ScoringPolicy.DefaultBotThreshold;
}

/// <summary>Names of the route values or query parameters that carry a link's identity. A route value wins over a query parameter.</summary>
public sealed class IdentityOptions
{
    public string MessageId { get; set; } = "messageId";

    public string RecipientId { get; set; } = "recipientId";

    public string LinkId { get; set; } = "linkId";

    /// <summary>The send time, in unix seconds. Default "t".</summary>
    public string SentAt { get; set; } = "t";

    public void Validate(List<string> errors)
    {
        foreach (var (name, value) in new[] { ("MessageId", MessageId), ("RecipientId", RecipientId), ("LinkId", LinkId), ("SentAt", SentAt) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"LinkGateway:Identity:{name}: must name a route value or query parameter");
            }
        }
    }
}
