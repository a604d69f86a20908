using System.Net;
using LinkGateway.Fingerprinting;
using LinkGateway.Guard;
using LinkGateway.Links;
using LinkGateway.Memory;
using LinkGateway.Signals;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A request as the guard hands it to a store (LinkGuard builds the real ones): the one way the tests build it, each part
/// a person's click unless named.
/// </summary>
public static class Observations
{
    /// <summary>How long a tag lives that the request's own signals set.</summary>
    public static readonly TimeSpan TagTtl = TimeSpan.FromHours(24);

    /// <summary>
    /// A click (a honeypot hit when <paramref name="honeypot"/>) at <paramref name="now"/> from <paramref name="address"/>;
    /// its client is "shape-ADDRESS" unless named; <paramref name="newTag"/> tags the address and the client shape alike.
    /// </summary>
    public static MemoryObservation Click(DateTimeOffset now, IPAddress address, string? message = null, string? recipient = null, string? link = null,
        AddressTag? newTag = null, bool honeypot = false, string? client = null, DateTimeOffset? sentAt = null, bool personRelay = false,
        BehaviourOptions? behaviour = null) =>
        new(now, RequestIds.New(now), honeypot ? LinkKind.Honeypot : LinkKind.Click, address, NetworkPrefix.Of(address),
            new LinkIdentity(message, recipient, link, sentAt), client ?? $"shape-{address}", newTag, newTag, honeypot, TagTtl,
            behaviour ?? BehaviourOptions.Default, personRelay);
}
