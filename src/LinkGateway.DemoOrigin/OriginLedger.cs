using System.Collections.Concurrent;

namespace LinkGateway.DemoOrigin;

/// <summary>One request as the origin saw it: what it recorded, which X-Bot-* headers it got, and the proxy headers (X-Forwarded-*, X-Original-*).</summary>
public sealed record OriginEvent(
    DateTimeOffset At,
    string Action,
    string Method,
    string PathAndQuery,
    string? MessageId,
    string? RecipientId,
    string? LinkId,
    IReadOnlyDictionary<string, string> BotHeaders,
    IReadOnlyDictionary<string, string> ForwardingHeaders,
    string? Body,
    bool? SignatureValid)
{
    public string? Header(string name) => BotHeaders.GetValueOrDefault(name);
}

/// <summary>What the demo origin recorded, newest last; bounded so a long demo cannot exhaust memory.</summary>
public sealed class OriginLedger
{
    public const int Capacity = 10_000;

    private readonly ConcurrentQueue<OriginEvent> _events = new();

    public void Record(OriginEvent entry)
    {
        _events.Enqueue(entry);
        while (_events.Count > Capacity && _events.TryDequeue(out _))
        {
        }
    }

    public IReadOnlyList<OriginEvent> Events => [.. _events];
}
