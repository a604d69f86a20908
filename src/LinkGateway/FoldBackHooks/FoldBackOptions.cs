using System.ComponentModel.DataAnnotations;

namespace LinkGateway.FoldBackHooks;

/// <summary>The "LinkGateway:FoldBack" section: how fold-back events reach the origin besides the stream, which always stays.</summary>
public sealed class FoldBackOptions
{
    public FoldBackWebhookOptions Webhook { get; set; } = new();
}

/// <summary>
/// "LinkGateway:FoldBack:Webhook": POST each fold-back event to the origin (docs/concepts/memory.md, "Fold-back webhooks").
/// Off unless <see cref="Url"/> is set.
/// </summary>
public sealed class FoldBackWebhookOptions
{
    /// <summary>The receiver, an absolute http or https URL. Empty (default): no webhook, the stream only.</summary>
    public string? Url { get; set; }

    /// <summary>How long one POST may take, connection included, before it counts as failed and is retried. Default 10 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// POSTs of one event before the node gives it up (counted as failed, exhausted; it stays in the stream). Default 30:
    /// with the default delays about 50 minutes of a receiver that answers 5xx or not at all.
    /// </summary>
    [Range(1, 10_000)]
    public int MaxAttempts { get; set; } = 30;

    /// <summary>The delay before the first retry; each further retry doubles it, up to <see cref="MaxRetryDelay"/>, with jitter. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two POSTs of one event. Default 2 min.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often a node with nothing to send looks for new events. Default 1 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// With Redis: how long an event read by a node stays untouched (the node died, or was stopped mid-delivery) before
    /// another node takes it over. Longer than <see cref="MaxRetryDelay"/> + <see cref="Timeout"/>, since a node renews its
    /// hold before every retry. Default 5 min.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan ClaimAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Events one node holds at once (read, not yet delivered or given up). Default 100.</summary>
    [Range(1, 10_000)]
    public int MaxInFlight { get; set; } = 100;

    public bool Enabled => !string.IsNullOrWhiteSpace(Url);

    /// <summary>
    /// The receiver's URL; valid only once <see cref="Validate"/> found no problem. A method, not a property: the reload
    /// compares these options serialized, and a getter would throw for a webhook that is off.
    /// </summary>
    public Uri Receiver() => new(Url!.Trim(), UriKind.Absolute);

    /// <summary>
    /// The wait after <paramref name="attempts"/> failed POSTs: <see cref="FirstRetryDelay"/> doubled per attempt (or the
    /// receiver's Retry-After, if longer), capped at <see cref="MaxRetryDelay"/>; half of it fixed and half scaled by
    /// <paramref name="random"/> in [0, 1) ("equal jitter"), so nodes that lost the receiver together do not return together.
    /// </summary>
    public TimeSpan RetryDelay(int attempts, TimeSpan? retryAfter, double random)
    {
        var exponential = FirstRetryDelay * Math.Pow(2, Math.Clamp(attempts - 1, 0, 30));
        var delay = TimeSpan.FromTicks(Math.Min(Math.Max(exponential.Ticks, retryAfter?.Ticks ?? 0), MaxRetryDelay.Ticks));
        return (delay / 2) + (delay / 2 * random);
    }

    public void Validate(List<string> errors)
    {
        if (!Enabled)
        {
            return;
        }

        const string Key = "LinkGateway:FoldBack:Webhook";
        if (!Uri.TryCreate(Url!.Trim(), UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https") || url.Host.Length == 0)
        {
            errors.Add($"{Key}:Url: \"{Url}\" is not an absolute http or https URL (e.g. https://analytics.example/foldback)");
        }
        else if (url.UserInfo.Length > 0)
        {
            errors.Add($"{Key}:Url: must not carry a user name or password: the POST is signed with LinkGateway:Signing:Key");
        }
        else if (url.Fragment.Length > 0)
        {
            errors.Add($"{Key}:Url: must not have a #fragment (it is never sent)");
        }

        if (FirstRetryDelay > MaxRetryDelay)
        {
            errors.Add($"{Key}:FirstRetryDelay: {FirstRetryDelay.TotalSeconds:0.###} s is longer than {Key}:MaxRetryDelay ({MaxRetryDelay.TotalSeconds:0.###} s)");
        }

        if (ClaimAfter <= MaxRetryDelay + Timeout)
        {
            errors.Add($"{Key}:ClaimAfter: {ClaimAfter.TotalSeconds:0.###} s must be longer than MaxRetryDelay + Timeout ({(MaxRetryDelay + Timeout).TotalSeconds:0.###} s), or another node takes over events this one is still retrying");
        }
    }
}
