namespace LinkGateway.Links;

/// <summary>
/// Which message, recipient and link a request belongs to, read from the URL (<see cref="IdentityProfile"/>). Anyone can
/// forge a URL, so identity is only ever used to group requests, never to trust them. Every field is optional.
/// </summary>
public readonly record struct LinkIdentity(
    string? MessageId,
    string? RecipientId,
    string? LinkId,
    DateTimeOffset? SentAt)
{
    public static LinkIdentity Empty => default;

    /// <summary>
    /// The URL named no message, recipient or link, so the URL is the link (<see cref="LinkId"/>): distinct tracking URLs
    /// one client fetches at once are counted per client address rather than per recipient.
    /// </summary>
    public bool LinkIsUrl { get; init; }

    /// <summary>The link carries no send time, and the layout lets the gateway's first sighting of the message stand in for it.</summary>
    public bool FirstSeenStandsIn { get; init; }
}
