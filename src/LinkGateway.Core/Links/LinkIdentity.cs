namespace LinkGateway.Links;

/// <summary>
/// Which message, recipient and link a request belongs to, read from the URL. Anyone can forge a URL,
/// so identity is only ever used to group requests, never to trust them. Every field is optional.
/// </summary>
public readonly record struct LinkIdentity(
    string? MessageId,
    string? RecipientId,
    string? LinkId,
    DateTimeOffset? SentAt)
{
    public static LinkIdentity Empty => default;
}
