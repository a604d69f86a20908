using System.Collections.Concurrent;

namespace LinkGateway.Guard;

/// <summary>
/// This node's copy of the store's first sightings of messages (layouts whose links carry no send time): once a node knows
/// when a message was first seen, its requests are judged with that send time before the store round trip — timing.fast
/// among the stateless signals, and fan-out and bursts counted only at delivery — and the store is not asked again. Bounded:
/// past <see cref="Capacity"/> messages it starts over, which costs each message one more store step.
/// </summary>
internal sealed class FirstSeenMessages
{
    public const int Capacity = 65_536;

    private readonly ConcurrentDictionary<string, DateTimeOffset> _messages = new(StringComparer.Ordinal);

    public DateTimeOffset? Find(string messageId) => _messages.TryGetValue(messageId, out var seen) ? seen : null;

    public void Add(string messageId, DateTimeOffset firstSeen)
    {
        if (_messages.Count >= Capacity)
        {
            _messages.Clear();
        }

        _messages[messageId] = firstSeen;
    }
}
