using System.Collections.Concurrent;

namespace LinkGateway.Guard;

/// <summary>
/// This node's copy of the store's first sightings of messages (layouts whose links carry no send time): once a node knows
/// when a message was first seen, its requests are judged with that send time before the store round trip — timing.fast
/// among the stateless signals, and fan-out and bursts counted only at delivery — and the store is not asked again. A copy
/// lives no longer than the store's sighting (<c>LinkGateway:Memory:TagTtl</c> from the first sighting): after that the
/// store sees the message anew, and every node must judge its clicks as the store does. Bounded: past
/// <see cref="Capacity"/> messages it starts over, which costs each message one more store step.
/// </summary>
internal sealed class FirstSeenMessages
{
    public const int Capacity = 65_536;

    private readonly ConcurrentDictionary<string, (DateTimeOffset FirstSeen, DateTimeOffset Until)> _messages = new(StringComparer.Ordinal);

    public DateTimeOffset? Find(string messageId, DateTimeOffset now)
    {
        if (!_messages.TryGetValue(messageId, out var seen))
        {
            return null;
        }

        if (now < seen.Until)
        {
            return seen.FirstSeen;
        }

        _messages.TryRemove(KeyValuePair.Create(messageId, seen));
        return null;
    }

    /// <param name="lives">How long the store keeps the sighting from <paramref name="firstSeen"/>.</param>
    public void Add(string messageId, DateTimeOffset firstSeen, TimeSpan lives)
    {
        if (_messages.Count >= Capacity)
        {
            _messages.Clear();
        }

        _messages[messageId] = (firstSeen, firstSeen + lives);
    }
}
