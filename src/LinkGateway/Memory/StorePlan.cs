using LinkGateway.Signals;

namespace LinkGateway.Memory;

/// <summary>
/// A window set: add <see cref="Member"/> now, forget members older than <see cref="Window"/> and, past <see cref="Cap"/>,
/// the oldest, and count the rest.
/// </summary>
public readonly record struct WindowCount(string Key, string Member, TimeSpan Window, int Cap);

/// <summary>
/// An address: its tag (read; set once when <see cref="NewTag"/>), its fan-out per client software, and its recent
/// human requests. When the tag is first set, the recent requests of the tagging client (<see cref="Client"/>) are handed
/// back for fold-back and leave the list; other clients' stay.
/// </summary>
public sealed record AddressStep(string TagKey, string RecentKey, string Client, WindowCount? Fanout, AddressTag? NewTag, TimeSpan TagTtl,
    RecentRequest? Entry, TimeSpan RecentWindow, int RecentMax);

/// <summary>A client shape (its software from its /24 or /48): its tag, and how many recipients it touched in the window.</summary>
public sealed record ShapeStep(string TagKey, WindowCount? Fanout, AddressTag? NewTag, TimeSpan TagTtl);

/// <summary>A /24 or /48: its tag (set by a honeypot hit from it).</summary>
public sealed record NetworkStep(string TagKey, AddressTag? NewTag, TimeSpan TagTtl);

/// <summary>One recipient's message: the links this client fetched in the burst window, and the honeypot mark (set on a hit).</summary>
public sealed record MessageStep(WindowCount? Links, string HoneyKey, bool Hit, TimeSpan HoneyWindow);

/// <summary>A message's first sighting: set once (SET NX), read back.</summary>
public sealed record SeenStep(string Key, TimeSpan Ttl);

/// <summary>What the steps found, before this request changed anything but its own counts.</summary>
public readonly record struct StepResults(
    AddressTag? AddressTag,
    int AddressFanout,
    IReadOnlyList<RecentRequest> Taken,
    bool ShapeTagged,
    int ShapeFanout,
    bool NetworkTagged,
    int Links,
    bool NearHoneypot,
    int DomainRecipients,
    DateTimeOffset? FirstSeen);

/// <summary>
/// The store's work for one request, described once — keys, windows, caps, tags, what comes back — from the request and
/// the behaviour settings in force (a hot reload changes them for the next request). Both stores carry the same plan out:
/// Redis in one round trip (one script on a standalone Redis, one per entity on a cluster), the in-process store on its
/// entities; <see cref="Recall"/> turns what they found into behaviour facts and fold-back the same way for both.
/// <para>
/// Behaviour is counted per client — its software (User-Agent and header shape) from its network — and fold-back names
/// only the tagged client's own requests: offices, relays and households share addresses, and anyone who knows a
/// recipient's ids can fetch that recipient's links. What one client does never counts toward another's verdict.
/// </para>
/// </summary>
public sealed record StorePlan(MemoryObservation Observation, AddressStep? Address, ShapeStep? Shape, NetworkStep? Network, MessageStep? Message,
    WindowCount? Domain, SeenStep? Seen)
{
    /// <summary>The plan of a request's round trip (<see cref="IGatewayMemory.ObserveAsync"/>).</summary>
    public static StorePlan Observe(MemoryObservation o, MemoryKeys keys)
    {
        var behaviour = o.Behaviour;
        var caps = WindowSetCaps.For(behaviour);
        var client = o.ShapeKey ?? string.Empty;
        // Recipients through a person relay are many people's, not one client's fan-out.
        var atDelivery = o.AtDelivery();
        var recipient = atDelivery && !o.PersonRelay ? o.Identity.RecipientId : null;
        var entry = o.NewTag is null && !o.HoneypotHit ? o.AsRecent() : null;

        AddressStep? address = null;
        if (o.ClientAddress is not null)
        {
            var key = keys.Address(o.ClientAddress);
            address = new AddressStep(key + ":tag", key + ":recent", client,
                recipient is null ? null : new WindowCount($"{key}:rcpt:{client}", recipient, behaviour.FanoutWindow, caps.Fanout),
                o.NewTag, o.TagTtl, entry, behaviour.FoldBackWindow, behaviour.FoldBackMaxEntries);
        }

        ShapeStep? shape = null;
        if (o.ShapeKey is not null)
        {
            var key = keys.Shape(o.ShapeKey);
            shape = new ShapeStep(key + ":tag",
                recipient is null ? null : new WindowCount(key + ":rcpt", recipient, behaviour.FanoutWindow, caps.Fanout),
                o.ShapeTag, o.RevealedTagTtl);
        }

        // A honeypot hit through a person relay tags its address and shape, never the relay's prefix that many people share.
        var network = o.Prefix is null || o.PersonRelay ? null : new NetworkStep(keys.Network(o.Prefix) + ":tag", o.HoneypotHit ? o.NewTag : null, o.TagTtl);

        MessageStep? message = null;
        WindowCount? domain = null;
        if (o.HasMessageRecipient)
        {
            var key = keys.MessageRecipient(o.Identity.MessageId!, o.Identity.RecipientId!);
            message = new MessageStep(
                o.Identity.LinkId is null || !atDelivery ? null : new WindowCount($"{key}:links:{client}", o.Identity.LinkId, behaviour.BurstLinksWindow, caps.Links),
                key + ":honey", o.HoneypotHit, behaviour.HoneypotWindow);
            if (o.ShapeKey is not null && recipient is not null)
            {
                domain = new WindowCount(keys.MessageClient(o.Identity.MessageId!, o.ShapeKey) + ":rcpt", recipient, behaviour.BurstDomainWindow, caps.Domain);
            }
        }
        else if (o.Identity.LinkIsUrl && o.ClientAddress is not null && atDelivery && !o.PersonRelay)
        {
            // A click whose URL names no recipient: the distinct tracking URLs one client fetches at its address make the
            // burst. Not through a person relay, whose address is many people's.
            var key = keys.Address(o.ClientAddress);
            message = new MessageStep(new WindowCount($"{key}:links:{client}", o.Identity.LinkId!, behaviour.BurstLinksWindow, caps.Links),
                key + ":honey", Hit: false, behaviour.HoneypotWindow);
        }

        // A message's first sighting lives as long as a tag (LinkGateway:Memory:TagTtl): any client can name a message, so the
        // key must not outlive what else a client can make the store keep. Once it expires, a late click is the message's
        // "delivery" again, as a link without a send time always is.
        var seen = o.Identity.FirstSeenStandsIn ? new SeenStep(keys.Message(o.Identity.MessageId!) + ":seen", o.TagTtl) : null;
        return new StorePlan(o, address, shape, network, message, domain, seen);
    }

    /// <summary>
    /// The plan of the writes after a verdict (<see cref="IGatewayMemory.RememberAsync"/>): the tags behaviour revealed,
    /// set where missing, for <see cref="MemoryObservation.RevealedTagTtl"/>; the address's tag takes the client's recent
    /// requests along, as fold-back.
    /// </summary>
    public static StorePlan Remember(MemoryRemember r, MemoryKeys keys)
    {
        var o = r.Observation;
        AddressStep? address = null;
        if (r.TagAddress && o.ClientAddress is not null)
        {
            var key = keys.Address(o.ClientAddress);
            address = new AddressStep(key + ":tag", key + ":recent", o.ShapeKey ?? string.Empty, null, r.Tag, o.RevealedTagTtl, null,
                o.Behaviour.FoldBackWindow, o.Behaviour.FoldBackMaxEntries);
        }

        var shape = r.TagShape && o.ShapeKey is not null ? new ShapeStep(keys.Shape(o.ShapeKey) + ":tag", null, r.Tag, o.RevealedTagTtl) : null;
        return new StorePlan(o, address, shape, null, null, null, null);
    }

    /// <summary>What the memory knew before the request, and the fold-back the round trip took.</summary>
    public MemoryRecall Recall(in StepResults found)
    {
        var facts = new BehaviourFacts(found.AddressTag is not null, found.NetworkTagged, found.ShapeTagged,
            found.AddressFanout, found.ShapeFanout, found.Links, found.DomainRecipients, found.NearHoneypot, Observation.Identity.LinkIsUrl);
        return new MemoryRecall(found.AddressTag, facts, FoldBack(found.Taken, Observation.NewTag?.Reasons ?? string.Empty)) { FirstSeen = found.FirstSeen };
    }

    /// <summary>The fold-back event of the requests a newly set address tag took along (none when it took none).</summary>
    public IReadOnlyList<FoldBackEvent> FoldBack(IReadOnlyList<RecentRequest> taken, string reason)
    {
        var o = Observation;
        if (taken.Count == 0 || o.ClientAddress is null)
        {
            return [];
        }

        var requests = FoldBackEvent.Select(taken, o.Now, o.Behaviour.FoldBackWindow, o.RequestId);
        return requests.Count == 0 ? [] : [new FoldBackEvent(o.AddressEntity, reason, o.Now, o.RequestId, requests)];
    }
}
