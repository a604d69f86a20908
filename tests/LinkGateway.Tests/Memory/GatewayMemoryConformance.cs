using System.Net;
using LinkGateway.Fingerprinting;
using LinkGateway.Infrastructure;
using LinkGateway.Signals;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// One suite, every store: the in-process store and Redis must behave the same, because a single
/// node and a cluster of nodes must give the same verdicts.
/// </summary>
public abstract class GatewayMemoryConformance
{
    protected static readonly TimeSpan Ttl = Observations.TagTtl;

    protected abstract IGatewayMemory Memory { get; }

    /// <summary>"Now" for the store: the fake clock in-process, the real one for Redis (its TTLs run on the server's clock).</summary>
    protected abstract DateTimeOffset Now { get; }

    [Fact]
    public async Task UnknownAddress_RecallsNothing()
    {
        var recall = await Memory.ObserveAsync(Request(Address()), default);

        Assert.Null(recall.AddressTag);
        Assert.Equal(default, recall.Facts with { AddressRecipients = 0, PrefixRecipients = 0, MessageLinks = 0, MessageNetworkRecipients = 0 });
    }

    [Fact]
    public async Task Tag_IsRecalledByTheNextRequest_NotByTheOneThatSetIt()
    {
        var address = Address();
        var tag = new AddressTag(94, "ua.library,hdr.accept-any", Now);

        var first = await Memory.ObserveAsync(Request(address, newTag: tag), default);
        var second = await Memory.ObserveAsync(Request(address), default);

        Assert.Null(first.AddressTag);
        Assert.Equal(tag with { TaggedAt = DateTimeOffset.FromUnixTimeSeconds(tag.TaggedAt.ToUnixTimeSeconds()) }, second.AddressTag); // stored to the second
        Assert.True(second.Facts.AddressTagged);
        Assert.True(second.Facts.ShapeTagged); // same shape key
    }

    [Fact]
    public async Task Lookup_ShowsTheTagAndItsRemainingTime_AndForgetRemovesIt()
    {
        var address = Address();
        await Memory.ObserveAsync(Request(address, newTag: new AddressTag(90, "net.vendor", Now)), default);

        var lookup = await Memory.LookupAsync(MemoryKeys.AddressEntity(address), default);

        Assert.Equal("net.vendor", lookup.Tag?.Reasons);
        Assert.InRange(lookup.TimeToLive, Ttl - TimeSpan.FromMinutes(1), Ttl);
        Assert.True(await Memory.ForgetTagAsync(MemoryKeys.AddressEntity(address), default));
        Assert.False(await Memory.ForgetTagAsync(MemoryKeys.AddressEntity(address), default));
        Assert.Null((await Memory.ObserveAsync(Request(address), default)).AddressTag);
    }

    [Fact]
    public async Task IPv4MappedIPv6_IsTheSameClientAsIPv4()
    {
        var address = Address();
        await Memory.ObserveAsync(Request(address.MapToIPv6(), newTag: new AddressTag(90, "ua.library", Now)), default);

        Assert.NotNull((await Memory.ObserveAsync(Request(address), default)).AddressTag);
    }

    [Fact]
    public async Task Fanout_CountsDistinctRecipientsOfOneClient_AtItsAddressAndAcrossItsNetwork()
    {
        var address = Address();
        var neighbour = IPAddress.Parse(address.ToString()[..address.ToString().LastIndexOf('.')] + ".250");
        MemoryRecall last = MemoryRecall.Nothing;
        foreach (var recipient in new[] { "r1", "r2", "r2", "r3" })
        {
            last = await Memory.ObserveAsync(Request(address, recipient: recipient, client: "browser-a"), default);
        }

        var fromNeighbour = await Memory.ObserveAsync(Request(neighbour, recipient: "r4", client: "browser-a"), default);
        var otherSoftware = await Memory.ObserveAsync(Request(address, recipient: "r5", client: "browser-b"), default);

        Assert.Equal((3, 3), (last.Facts.AddressRecipients, last.Facts.PrefixRecipients));
        Assert.Equal((1, 4), (fromNeighbour.Facts.AddressRecipients, fromNeighbour.Facts.PrefixRecipients));
        Assert.Equal((1, 1), (otherSoftware.Facts.AddressRecipients, otherSoftware.Facts.PrefixRecipients)); // colleagues are not one scanner
    }

    /// <summary>
    /// The Redis store keeps the recipient of a click that was alone at its address in its recent request, not in a set of
    /// its own: a tag that takes the client's requests for fold-back must not take its fan-out with them.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Fanout_AfterATagTookTheClientsRequests_StillCountsTheirRecipients(bool taggedByRemember)
    {
        var address = Address();
        var message = Unique("m");
        var first = Request(address, message, "r1", "l1");
        await Memory.ObserveAsync(first, default);
        var tag = new AddressTag(91, "burst.links", Now);
        // Long after its send time: it counts toward no fan-out, so the tag takes r1's request before any set was made.
        var revealing = Request(address, message, "r1", "l2", newTag: taggedByRemember ? null : tag, sentAt: Now - TimeSpan.FromDays(1));
        var revealed = await Memory.ObserveAsync(revealing, default);
        var tagging = taggedByRemember
            ? (await Memory.RememberAsync(new MemoryRemember(revealing, tag, TagAddress: true, TagShape: false, []), default)).Single()
            : revealed.FoldBack.Single();

        var next = await Memory.ObserveAsync(Request(address, Unique("m"), "r3", "l1"), default);

        Assert.Equal([first.RequestId], tagging.Requests.Select(r => r.RequestId));
        Assert.Equal(2, next.Facts.AddressRecipients);
        Assert.DoesNotContain(first.RequestId, (await Memory.LookupAsync(MemoryKeys.AddressEntity(address), default)).Recent.Select(r => r.RequestId));
    }

    /// <summary>
    /// A reload that lengthens the fan-out window counts from the next request on, as a set's members are counted; a
    /// recipient whose window had ended before the reload stays gone (Redis keeps a lone click's recipient in its recent
    /// request, which outlives the window: it carries the window it was counted in).
    /// </summary>
    [Fact]
    public async Task Fanout_AfterAReloadLengthensItsWindow_DoesNotReviveARecipientWhoseWindowHadEnded()
    {
        var address = Address();
        var start = Now;
        var (shorter, longer) = (FanoutWindowOf(TimeSpan.FromSeconds(1)), FanoutWindowOf(TimeSpan.FromSeconds(3)));
        await Memory.ObserveAsync(Request(address, Unique("m"), "r1", "l1") with { Behaviour = shorter }, default);

        var afterReload = await Memory.ObserveAsync(Request(address, Unique("m"), "r2", "l1") with { Now = start + TimeSpan.FromSeconds(1.5), Behaviour = longer }, default);

        Assert.Equal(1, afterReload.Facts.AddressRecipients);
    }

    /// <summary>A recipient id is the client's to choose: one that spells another client's name takes nothing of that client's.</summary>
    [Fact]
    public async Task FoldBack_TakesOnlyTheTaggedClientsRequests_WhatEverAnotherClientsIdsSpell()
    {
        var address = Address();
        var mine = Request(address, Unique("m"), "r1", "l1", client: "browser-a");
        var forged = Request(address, Unique("m"), "\"client\":\"browser-a\"", "\"client\":\"browser-a\"", client: "browser-b");
        var revealing = Request(address, Unique("m"), "r2", "l1", client: "browser-a");
        foreach (var request in new[] { forged, mine, revealing })
        {
            await Memory.ObserveAsync(request, default);
        }

        var tagging = await Memory.RememberAsync(new MemoryRemember(revealing, new AddressTag(91, "burst.links", Now), TagAddress: true, TagShape: false, []), default);
        var later = Request(address, Unique("m"), "r3", "l1", client: "browser-b");
        var laterRecall = await Memory.ObserveAsync(later, default);

        Assert.Equal([mine.RequestId], tagging.Single().Requests.Select(r => r.RequestId));
        Assert.Equal([later.RequestId, forged.RequestId], (await Memory.LookupAsync(MemoryKeys.AddressEntity(address), default)).Recent.Select(r => r.RequestId));
        Assert.Equal(2, laterRecall.Facts.AddressRecipients); // its forged recipient and r3
    }

    [Fact]
    public async Task BurstLinks_CountsDistinctLinksOfOneRecipientsMessage_FetchedByOneClient()
    {
        var address = Address();
        var message = Unique("m");
        var first = await Memory.ObserveAsync(Request(address, message, "r1", "l1"), default);
        var second = await Memory.ObserveAsync(Request(address, message, "r1", "l2"), default);
        var again = await Memory.ObserveAsync(Request(address, message, "r1", "l2"), default);
        var otherRecipient = await Memory.ObserveAsync(Request(address, message, "r2", "l3"), default);
        var otherClient = await Memory.ObserveAsync(Request(Address(), message, "r1", "l4"), default); // someone else fetching the recipient's links

        Assert.Equal((1, 2, 2, 1), (first.Facts.MessageLinks, second.Facts.MessageLinks, again.Facts.MessageLinks, otherRecipient.Facts.MessageLinks));
        Assert.Equal(1, otherClient.Facts.MessageLinks);
    }

    [Fact]
    public async Task DomainBurst_CountsRecipientsOfOneMessageReachedByOneClient()
    {
        var address = Address();
        var message = Unique("m");
        MemoryRecall last = MemoryRecall.Nothing;
        for (var i = 0; i < 4; i++)
        {
            last = await Memory.ObserveAsync(Request(address, message, $"r{i}", "l1"), default);
        }

        var otherMessage = await Memory.ObserveAsync(Request(address, Unique("m"), "r9", "l1"), default);
        var otherClient = await Memory.ObserveAsync(Request(address, message, "r8", "l1", client: "browser-b"), default);

        Assert.Equal((4, 1, 1), (last.Facts.MessageNetworkRecipients, otherMessage.Facts.MessageNetworkRecipients, otherClient.Facts.MessageNetworkRecipients));
    }

    [Fact]
    public async Task BehaviourWindows_AreTheRequestsOwn_SoAReloadAppliesToTheNextRequest()
    {
        var address = Address();
        var message = Unique("m");
        var start = Now;
        var longer = BehaviourOptions.Default with { BurstLinksWindow = TimeSpan.FromSeconds(10) };
        await Memory.ObserveAsync(Request(address, message, "r1", "l1"), default);

        var underDefault = await Memory.ObserveAsync(Request(address, message, "r1", "l2") with { Now = start + TimeSpan.FromSeconds(5) }, default);
        var afterReload = await Memory.ObserveAsync(Request(address, message, "r1", "l3") with { Now = start + TimeSpan.FromSeconds(7), Behaviour = longer }, default);

        Assert.Equal(1, underDefault.Facts.MessageLinks); // l1 left the 3 s window
        Assert.Equal(2, afterReload.Facts.MessageLinks); // l2 is inside the reloaded 10 s window
    }

    [Fact]
    public async Task Honeypot_MarksItsMessageRecipient_TagsTheHittersNetwork_AndFoldsBackOnlyTheHittersOwnRequests()
    {
        var message = Unique("m");
        var trapAddress = Address();
        var hittersEarlier = Request(trapAddress, Unique("m"), "r9", "l1");
        var someoneElses = Request(Address(), message, "r1", "l1");
        await Memory.ObserveAsync(hittersEarlier, default);
        await Memory.ObserveAsync(someoneElses, default);
        var trap = Request(trapAddress, message, "r1", null, newTag: new AddressTag(99, "honeypot", Now), honeypot: true);

        var hit = await Memory.ObserveAsync(trap, default);
        var after = await Memory.ObserveAsync(Request(Address(), message, "r1", "l2"), default);
        var elsewhere = await Memory.ObserveAsync(Request(Address(), message, "r2", "l2"), default);
        var neighbour = IPAddress.Parse(trapAddress.ToString()[..trapAddress.ToString().LastIndexOf('.')] + ".251");
        var fromNeighbour = await Memory.ObserveAsync(Request(neighbour), default);

        Assert.True(after.Facts.NearHoneypot);
        Assert.False(elsewhere.Facts.NearHoneypot);
        Assert.True(fromNeighbour.Facts.PrefixTagged); // the honeypot tagged the hitter's /24
        Assert.False(fromNeighbour.Facts.AddressTagged);
        var foldBack = Assert.Single(hit.FoldBack);
        Assert.Equal((MemoryKeys.AddressEntity(trapAddress), hittersEarlier.RequestId), (foldBack.Entity, Assert.Single(foldBack.Requests).RequestId));
    }

    [Fact]
    public async Task AddressTaggedByRemember_FoldsBackItsClientsEarlierRequests_Once_AndKeepsOtherClients()
    {
        var address = Address();
        var message = Unique("m");
        var earlier = Request(address, message, "r1", "l1");
        var colleague = Request(address, Unique("m"), "r5", "l1", client: "browser-b"); // someone else behind the same address
        await Memory.ObserveAsync(earlier, default);
        await Memory.ObserveAsync(colleague, default);
        var revealing = Request(address, message, "r1", "l2");
        await Memory.ObserveAsync(revealing, default);
        var tag = new AddressTag(91, "burst.links", Now);

        var written = await Memory.RememberAsync(new MemoryRemember(revealing, tag, TagAddress: true, TagShape: true, []), default);
        var again = await Memory.RememberAsync(new MemoryRemember(revealing, tag, TagAddress: true, TagShape: true, []), default);

        var foldBack = Assert.Single(written);
        Assert.Equal((MemoryKeys.AddressEntity(address), revealing.RequestId), (foldBack.Entity, foldBack.TriggerRequestId));
        Assert.Equal([earlier.RequestId], foldBack.Requests.Select(r => r.RequestId));
        Assert.Empty(again);
        var lookup = await Memory.LookupAsync(MemoryKeys.AddressEntity(address), default);
        Assert.NotNull(lookup.Tag);
        Assert.Equal([colleague.RequestId], lookup.Recent.Select(r => r.RequestId)); // the colleague's click stays a person's
        var stream = await Memory.ReadFoldBackAsync(10, default);
        Assert.Contains(stream, e => e.Entity == $"ip:{address}" && e.TriggerRequestId == revealing.RequestId && e.Requests.Single().LinkId == "l1");
    }

    [Fact]
    public async Task Lookup_OfAnAddress_ShowsItsRecentHumanRequests_NewestFirst_AndOfAPrefixOnlyItsTag()
    {
        var address = Address();
        var first = Request(address, "m-look", "r1", "l1");
        var second = Request(address, "m-look", "r2", "l1");
        await Memory.ObserveAsync(first, default);
        await Memory.ObserveAsync(second, default);

        var lookup = await Memory.LookupAsync(MemoryKeys.AddressEntity(address), default);
        var prefix = await Memory.LookupAsync(MemoryKeys.NetworkEntity(NetworkPrefix.Of(address)!), default);

        Assert.Null(lookup.Tag);
        Assert.Equal([second.RequestId, first.RequestId], lookup.Recent.Select(r => r.RequestId));
        Assert.Equal((null, 0), (prefix.Tag, prefix.Recent.Count)); // a /24 holds many people: no fold-back list of its own
    }

    [Fact]
    public async Task SingleUseValue_IsConsumedOnce()
    {
        var nonce = Unique("nonce");

        Assert.True(await Memory.TryConsumeAsync(nonce, TimeSpan.FromMinutes(1), default));
        Assert.False(await Memory.TryConsumeAsync(nonce, TimeSpan.FromMinutes(1), default));
    }

    public enum TaggedEntity
    {
        Address,
        Prefix,
        Shape,
    }

    [Theory]
    [InlineData(TaggedEntity.Address)]
    [InlineData(TaggedEntity.Prefix)]
    [InlineData(TaggedEntity.Shape)]
    public async Task Tag_IsSetOnce_LaterBotRequestsNeitherReplaceNorRenewIt(TaggedEntity tagged)
    {
        var address = Address();
        var honeypot = tagged == TaggedEntity.Prefix; // only a honeypot hit tags a prefix in passing
        var first = Request(address, honeypot: honeypot, newTag: new AddressTag(90, "ua.library", Now)) with { TagTtl = TimeSpan.FromHours(1) };
        await Memory.ObserveAsync(first, default);

        var later = Request(address, honeypot: honeypot, newTag: new AddressTag(99, "ua.scanner", Now));
        await Memory.ObserveAsync(later, default);
        await Memory.RememberAsync(new MemoryRemember(later, new AddressTag(95, "burst.links", Now), TagAddress: true, TagShape: true, []), default);

        var lookup = await Memory.LookupAsync(tagged switch
        {
            TaggedEntity.Address => MemoryKeys.AddressEntity(address),
            TaggedEntity.Prefix => MemoryKeys.NetworkEntity(NetworkPrefix.Of(address)!),
            _ => $"shape:{first.ShapeKey}",
        }, default);
        Assert.Equal("ua.library", lookup.Tag?.Reasons);
        // A browser's shape is tagged for the delivery window (its colleagues share it), an address or prefix for the tag TTL.
        var ttl = tagged == TaggedEntity.Shape ? first.RevealedTagTtl : first.TagTtl;
        Assert.InRange(lookup.TimeToLive, ttl - TimeSpan.FromMinutes(1), ttl);
    }

    public enum WindowSet
    {
        AddressRecipients,
        ShapeRecipients,
        MessageLinks,
        MessageNetworkRecipients,
    }

    /// <summary>A scanner touching thousands of recipients in a window must not grow one key without bound; the count stays above every threshold.</summary>
    [Theory]
    [InlineData(WindowSet.AddressRecipients, 64)]
    [InlineData(WindowSet.ShapeRecipients, 64)]
    [InlineData(WindowSet.MessageLinks, 64)]
    [InlineData(WindowSet.MessageNetworkRecipients, 64)]
    public async Task WindowSet_IsCappedAboveItsThreshold(WindowSet set, int cap)
    {
        var address = Address();
        var message = Unique("m");
        var counts = new List<int>();
        for (var i = 0; i < cap + 20; i++)
        {
            var recall = await Memory.ObserveAsync(NewMember(set, address, message, i), default);
            counts.Add(CountOf(set, recall.Facts));
        }

        Assert.Equal(Enumerable.Range(1, cap).Concat(Enumerable.Repeat(cap, 20)), counts);
    }

    [Theory]
    [InlineData(WindowSet.AddressRecipients)]
    [InlineData(WindowSet.ShapeRecipients)]
    [InlineData(WindowSet.MessageLinks)]
    [InlineData(WindowSet.MessageNetworkRecipients)]
    public async Task WindowSet_ForgetsMembersOlderThanItsWindow(WindowSet set)
    {
        var window = set switch
        {
            WindowSet.AddressRecipients or WindowSet.ShapeRecipients => BehaviourOptions.Default.FanoutWindow,
            WindowSet.MessageLinks => BehaviourOptions.Default.BurstLinksWindow,
            _ => BehaviourOptions.Default.BurstDomainWindow,
        };
        var address = Address();
        var message = Unique("m");
        var start = Now;
        MemoryObservation At(TimeSpan after, int i) => NewMember(set, address, message, i) with { Now = start + after };

        await Memory.ObserveAsync(At(TimeSpan.Zero, 0), default);
        var inside = await Memory.ObserveAsync(At(window - TimeSpan.FromMilliseconds(1), 1), default);
        var outside = await Memory.ObserveAsync(At(window + TimeSpan.FromMilliseconds(1), 2), default);

        Assert.Equal((2, 2), (CountOf(set, inside.Facts), CountOf(set, outside.Facts))); // the first left, the second stayed
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(0, false)] // at the window's end, out, as a window set's member is (StoreAgreementTests found the stores apart here)
    [InlineData(1, false)]
    public async Task HoneypotMark_CountsOnlyWithinItsWindow(int millisecondsAfterWindow, bool near)
    {
        var message = Unique("m");
        var start = Now;
        await Memory.ObserveAsync(Request(Address(), message, "r1", null, new AddressTag(99, "honeypot", start), honeypot: true), default);

        var later = await Memory.ObserveAsync(Request(Address(), message, "r1", "l1") with
        {
            Now = start + BehaviourOptions.Default.HoneypotWindow + TimeSpan.FromMilliseconds(millisecondsAfterWindow),
        }, default);

        Assert.Equal(near, later.Facts.NearHoneypot);
    }

    [Fact]
    public async Task FoldBack_NamesOnlyRequestsWithinItsWindow()
    {
        var address = Address();
        var start = Now;
        var old = Request(address, Unique("m"), "r1", "l1");
        var recent = Request(address, Unique("m"), "r2", "l1") with { Now = start + TimeSpan.FromMinutes(4) };
        await Memory.ObserveAsync(old, default);
        await Memory.ObserveAsync(recent, default);

        var tagging = Request(address, newTag: new AddressTag(90, "ua.library", start)) with
        {
            Now = start + BehaviourOptions.Default.FoldBackWindow + TimeSpan.FromSeconds(1),
        };
        var recall = await Memory.ObserveAsync(tagging, default);

        var foldBack = Assert.Single(recall.FoldBack, e => e.Entity == MemoryKeys.AddressEntity(address));
        Assert.Equal([recent.RequestId], foldBack.Requests.Select(r => r.RequestId));
    }

    [Fact]
    public async Task RecentRequests_AreCappedAtFoldBackMaxEntries_KeepingTheNewest()
    {
        var address = Address();
        var message = Unique("m");
        var max = BehaviourOptions.Default.FoldBackMaxEntries;
        var sent = new List<string>();
        for (var i = 0; i < max + 10; i++)
        {
            var request = Request(address, message, "r1", "l1");
            sent.Add(request.RequestId);
            await Memory.ObserveAsync(request, default);
        }

        var lookup = await Memory.LookupAsync(MemoryKeys.AddressEntity(address), default);

        Assert.Equal(Enumerable.Reverse(sent).Take(max), lookup.Recent.Select(r => r.RequestId));
    }

    /// <summary>Ids come from URLs and may hold the separator: no two (message, recipient) pairs may share an entity.</summary>
    [Theory]
    [InlineData("a:b", "c", "a", "b:c")]
    [InlineData("x:", "y", "x", ":y")]
    [InlineData("a%3Ab", "c", "a:b", "c")]
    [InlineData("a}", "{b", "a}{", "b")]
    public async Task DistinctIdPairs_NeverShareAnEntity(string message, string recipient, string otherMessage, string otherRecipient)
    {
        var unique = Unique("");
        (message, otherMessage) = (unique + message, unique + otherMessage);
        var address = Address();
        await Memory.ObserveAsync(Request(Address(), message, recipient, null, new AddressTag(99, "honeypot", Now), honeypot: true), default);
        await Memory.ObserveAsync(Request(address, message, recipient, "l1"), default);

        var other = await Memory.ObserveAsync(Request(address, otherMessage, otherRecipient, "l2"), default);
        var same = await Memory.ObserveAsync(Request(address, message, recipient, "l3"), default);

        Assert.Equal((1, false), (other.Facts.MessageLinks, other.Facts.NearHoneypot));
        Assert.Equal((2, true), (same.Facts.MessageLinks, same.Facts.NearHoneypot)); // the pair's own entity
    }

    [Fact]
    public async Task FoldBackEvent_OfTheLongestIds_StaysWithinItsByteBound_KeepingTheNewest()
    {
        // Ids at the bound, of the characters JSON writes widest (an emoji: 4 bytes of UTF-8, 12 of JSON).
        static string LongestId(char kind, int i) => $"{kind}{i:D3}" + string.Concat(Enumerable.Repeat("\U0001F600", 63));
        var address = Address();
        var sent = new List<string>();
        for (var i = 0; i < BehaviourOptions.Default.FoldBackMaxEntries; i++)
        {
            var request = Request(address, LongestId('m', i), LongestId('r', i), LongestId('l', i));
            sent.Add(request.RequestId);
            await Memory.ObserveAsync(request, default);
        }

        var tagging = Request(address, newTag: new AddressTag(90, "ua.library", Now));
        var recall = await Memory.ObserveAsync(tagging, default);
        await Memory.RememberAsync(new MemoryRemember(tagging, tagging.NewTag!, false, false, recall.FoldBack), default);

        var stored = Assert.Single(await Memory.ReadFoldBackAsync(100, default), e => e.Entity == MemoryKeys.AddressEntity(address));
        Assert.Equal(Links.IdentityProfile.MaxIdBytes, System.Text.Encoding.UTF8.GetByteCount(LongestId('m', 0)));
        Assert.InRange(System.Text.Encoding.UTF8.GetByteCount(RecentRequest.SerializeList(stored.Requests)), FoldBackEvent.MaxRequestsBytes - 2600, FoldBackEvent.MaxRequestsBytes);
        Assert.Equal(sent.TakeLast(stored.Requests.Count), stored.Requests.Select(r => r.RequestId));
        Assert.Equal(LongestId('l', 49), stored.Requests[^1].LinkId);
    }

    [Fact]
    public async Task SingleUseValue_RacedByManyCallers_IsConsumedExactlyOnce()
    {
        for (var round = 0; round < 200; round++)
        {
            var nonce = Unique("nonce");
            var winners = await Race(4, _ => Memory.TryConsumeAsync(nonce, TimeSpan.FromMinutes(1), default).AsTask());

            Assert.Equal(1, winners.Count(won => won));
        }
    }

    [Fact]
    public async Task FirstRequestsOfANewAddress_RacingEachOther_AreAllCounted()
    {
        for (var round = 0; round < 200; round++)
        {
            var address = Address();
            await Race(4, i => Memory.ObserveAsync(Request(address, recipient: $"r{i}"), default).AsTask());

            var next = await Memory.ObserveAsync(Request(address, recipient: "r-last"), default);

            Assert.Equal(5, next.Facts.AddressRecipients);
        }
    }

    [Fact]
    public async Task ThroughAPersonRelay_RecipientsAreNotCountedAsOneClientsFanout_ButLinkBurstsAre()
    {
        var address = Address();
        BehaviourFacts facts = default;
        for (var i = 0; i < 6; i++)
        {
            facts = (await Memory.ObserveAsync(Request(address, "m1", $"r{i}", "l1", client: "safari", personRelay: true), default)).Facts;
        }

        Assert.Equal((0, 0, 0), (facts.AddressRecipients, facts.PrefixRecipients, facts.MessageNetworkRecipients));
        var second = await Memory.ObserveAsync(Request(address, "m1", "r5", "l2", client: "safari", personRelay: true), default);
        Assert.Equal(2, second.Facts.MessageLinks);
    }

    [Fact]
    public async Task AfterTheDeliveryWindow_RecipientsAreNotCounted_WithinItTheyAre()
    {
        var late = Now - BehaviourOptions.Default.DeliveryWindow - TimeSpan.FromMinutes(1);
        var early = Now - TimeSpan.FromSeconds(20);
        var (lateAddress, earlyAddress) = (Address(), Address());
        BehaviourFacts lateFacts = default, earlyFacts = default;
        for (var i = 0; i < 3; i++)
        {
            lateFacts = (await Memory.ObserveAsync(Request(lateAddress, "m-late", $"r{i}", "l1", sentAt: late), default)).Facts;
            earlyFacts = (await Memory.ObserveAsync(Request(earlyAddress, "m-early", $"r{i}", "l1", sentAt: early), default)).Facts;
        }

        Assert.Equal((0, 0, 0), (lateFacts.AddressRecipients, lateFacts.PrefixRecipients, lateFacts.MessageNetworkRecipients));
        Assert.Equal((3, 3, 3), (earlyFacts.AddressRecipients, earlyFacts.PrefixRecipients, earlyFacts.MessageNetworkRecipients));
    }

    [Fact]
    public async Task FirstSighting_IsSetOnce_AndReadBack_OnlyWhenTheLayoutAsks()
    {
        var message = Unique("m-seen");
        var first = Request(Address(), message, "r1", "l1");
        first = first with { Identity = first.Identity with { FirstSeenStandsIn = true } };
        var later = Request(Address(), message, "r2", "l1");
        later = later with { Now = first.Now.AddSeconds(5), Identity = later.Identity with { FirstSeenStandsIn = true } };
        var unasked = Request(Address(), message, "r3", "l1");

        var atFirst = await Memory.ObserveAsync(first, default);
        var atLater = await Memory.ObserveAsync(later, default);
        var notAsked = await Memory.ObserveAsync(unasked, default);

        var expected = DateTimeOffset.FromUnixTimeMilliseconds(first.Now.ToUnixTimeMilliseconds());
        Assert.Equal((expected, expected), (atFirst.FirstSeen, atLater.FirstSeen));
        Assert.Null(notAsked.FirstSeen);
    }

    [Fact]
    public async Task Ping_Answers()
    {
        Assert.True(await Memory.PingAsync(default) >= TimeSpan.Zero);
    }

    /// <param name="client">The client's shape key (its software from its network); one per address unless given.</param>
    protected MemoryObservation Request(IPAddress address, string? message = null, string? recipient = null, string? link = null,
        AddressTag? newTag = null, bool honeypot = false, string? client = null, DateTimeOffset? sentAt = null, bool personRelay = false) =>
        Observations.Click(Now, address, message, recipient, link, newTag, honeypot, client, sentAt, personRelay);

    /// <summary>A request that brings the window set its <paramref name="i"/>th member: a link, or a recipient.</summary>
    private MemoryObservation NewMember(WindowSet set, IPAddress address, string message, int i) => set == WindowSet.MessageLinks
        ? Request(address, message, "r1", $"l{i}")
        : Request(address, message, $"r{i}", "l1");

    private static int CountOf(WindowSet set, BehaviourFacts facts) => set switch
    {
        WindowSet.AddressRecipients => facts.AddressRecipients,
        WindowSet.ShapeRecipients => facts.PrefixRecipients,
        WindowSet.MessageLinks => facts.MessageLinks,
        _ => facts.MessageNetworkRecipients,
    };

    /// <summary>
    /// Starts every call at the same instant, each on a thread of its own released by one barrier, as
    /// concurrent requests on several cores would, and awaits them all.
    /// </summary>
    private static async Task<T[]> Race<T>(int callers, Func<int, Task<T>> call)
    {
        using var barrier = new Barrier(callers);
        var calls = new Task<T>[callers];
        var threads = Enumerable.Range(0, callers).Select(i => new Thread(() =>
        {
            barrier.SignalAndWait();
            calls[i] = call(i);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return await Task.WhenAll(calls);
    }

    /// <summary>The default behaviour with another fan-out window, as a reload would set it.</summary>
    protected static BehaviourOptions FanoutWindowOf(TimeSpan window) => BehaviourOptions.Default with { FanoutWindow = window };

    protected static IPAddress Address() => IPAddress.Parse(Clients.NextAddress());

    private static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}

public sealed class InProcessGatewayMemoryTests : GatewayMemoryConformance, IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
    private readonly InProcessGatewayMemory _memory;

    public InProcessGatewayMemoryTests() =>
        _memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), _time, maxBytes: 64 * 1024 * 1024);

    protected override IGatewayMemory Memory => _memory;

    protected override DateTimeOffset Now => _time.GetUtcNow();

    [Fact]
    public async Task FoldBackFeed_CountsAsPendingWhatIsHeldUnread_AndInFlight_NotWhatTheBoundDropped()
    {
        using var memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), _time, maxBytes: 8 * 1024);
        var feed = new FoldBackHooks.InProcessFoldBackFeed(memory);
        List<FoldBackEvent> events = [.. Enumerable.Range(0, 20).Select(i => new FoldBackEvent($"ip:192.0.2.{i}", "burst.links", Now, $"req-{i}", []))];
        Assert.Equal(0, await feed.PendingAsync(default));

        await memory.RememberAsync(new MemoryRemember(Request(Address()), new AddressTag(91, "burst.links", Now), TagAddress: false, TagShape: false, events), default);
        var held = (await memory.ReadFoldBackAsync(100, default)).Count;

        Assert.InRange(held, 2, events.Count - 1); // the bound (1 KiB of events) dropped the oldest
        Assert.Equal(held, await feed.PendingAsync(default));
        var taken = await feed.TakeAsync(2, default);
        Assert.Equal(held, await feed.PendingAsync(default)); // two in flight, the rest unread
        await feed.DoneAsync(taken[0], default);
        Assert.Equal(held - 1, await feed.PendingAsync(default));
        Assert.Equal(events.Count - held, feed.TakeLost());
    }

    [Fact]
    public async Task TagAndWindows_ExpireWithTime()
    {
        var address = IPAddress.Parse("192.0.2.55");
        await _memory.ObserveAsync(Request(address, "m", "r1", "l1", new AddressTag(90, "ua.library", Now)) with { TagTtl = TimeSpan.FromMinutes(10) }, default);

        _time.Advance(TimeSpan.FromMinutes(9));
        Assert.NotNull((await _memory.LookupAsync(MemoryKeys.AddressEntity(address), default)).Tag);
        var links = await _memory.ObserveAsync(Request(address, "m", "r1", "l2"), default);
        Assert.Equal(1, links.Facts.MessageLinks); // l1 is minutes old: outside the 3 s burst window
        _time.Advance(TimeSpan.FromMinutes(2));
        Assert.Null((await _memory.LookupAsync(MemoryKeys.AddressEntity(address), default)).Tag);
    }

    [Fact]
    public async Task ByteBound_HoldsWhileManyDistinctEntitiesPassThrough_AndEvictionKeepsTheNewest()
    {
        const long bound = 2 * 1024 * 1024;
        using var memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), _time, bound);
        var addresses = new List<IPAddress>();
        var highest = 0L;
        for (var i = 0; i < 20_000; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            addresses.Add(new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]));
            await memory.ObserveAsync(Request(addresses[^1], $"m{i}", $"r{i}", "l1"), default);
            highest = Math.Max(highest, memory.Bytes);
        }

        Assert.InRange(highest, bound * 8 / 10, bound); // reached, never crossed
        Assert.InRange(memory.EntityCount, 1, 20_000); // 20,000 requests made about 80,000 entities
        foreach (var newest in addresses.TakeLast(100))
        {
            Assert.NotEmpty((await memory.LookupAsync(MemoryKeys.AddressEntity(newest), default)).Recent);
        }

        foreach (var oldest in addresses.Take(100))
        {
            Assert.Empty((await memory.LookupAsync(MemoryKeys.AddressEntity(oldest), default)).Recent);
        }
    }

    [Fact]
    public async Task Eviction_DropsExpiredEntitiesFirst_ThenTheLeastRecentlyUsed()
    {
        const long bound = 2 * 1024 * 1024;
        using var memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), _time, bound);
        var tagged = Enumerable.Range(1, 100).Select(i => new IPAddress([10, 200, 0, (byte)i])).ToList();
        foreach (var address in tagged)
        {
            await memory.ObserveAsync(Request(address, newTag: new AddressTag(90, "ua.library", Now)), default);
        }

        // Newer entities, which expire with their windows (5 minutes at most) ...
        var pushed = 0;
        for (; memory.Bytes < bound * 7 / 10; pushed++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await memory.ObserveAsync(Request(new IPAddress([10, 100, (byte)(pushed >> 8), (byte)pushed]), $"m{pushed}", $"r{pushed}", "l1"), default);
        }

        // ... have expired when newer still fill the store: they go, the older tagged addresses stay.
        _time.Advance(TimeSpan.FromMinutes(10));
        for (var i = 0; i < pushed; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(1));
            await memory.ObserveAsync(Request(new IPAddress([10, 101, (byte)(i >> 8), (byte)i]), $"n{i}", $"r{i}", "l1"), default);
            Assert.InRange(memory.Bytes, 0, bound);
        }

        foreach (var address in tagged)
        {
            Assert.NotNull((await memory.LookupAsync(MemoryKeys.AddressEntity(address), default)).Tag);
        }
    }

    public void Dispose() => _memory.Dispose();
}

[Collection(RedisCollection.Name)]
public sealed class RedisGatewayMemoryTests : GatewayMemoryConformance, IAsyncLifetime
{
    private readonly RedisFixture _redis;
    private readonly string _prefix = $"lg:conformance-{Guid.NewGuid():N}:";
    private ConnectionMultiplexer _connection = null!;
    private RedisGatewayMemory _memory = null!;

    public RedisGatewayMemoryTests(RedisFixture redis) => _redis = redis;

    protected override IGatewayMemory Memory => _memory;

    protected override DateTimeOffset Now => DateTimeOffset.UtcNow;

    public async Task InitializeAsync()
    {
        _connection = await ConnectionMultiplexer.ConnectAsync(_redis.Server.Configuration + ",allowAdmin=true");
        _memory = new RedisGatewayMemory(_connection, new MemoryKeys(_prefix));
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    /// <summary>
    /// Creating a key costs Redis more than anything else a click does: a click at an address with no recent requests keeps
    /// its recipient in its own recent request, and the address's fan-out set for its client is made by the next request
    /// there. The recent list lives as long as fan-out needs it.
    /// </summary>
    [Fact]
    public async Task AnAddresssFirstRecentRequest_MakesNoFanoutSet_TheNextDoes_AndTheRecentListOutlivesTheFanoutWindow()
    {
        var address = Address();
        var behaviour = FanoutWindowOf(TimeSpan.FromMinutes(10)) with { FoldBackWindow = TimeSpan.FromMinutes(1) };
        var db = _connection.GetDatabase();
        var set = $"{_prefix}{{ip:{address}}}:rcpt:shape-{address}";

        var first = await _memory.ObserveAsync(Request(address, "m1", "r1", "l1") with { Behaviour = behaviour }, default);
        var setAfterFirst = await db.KeyExistsAsync(set);
        var listLife = await db.KeyTimeToLiveAsync($"{_prefix}{{ip:{address}}}:recent");
        var sameRecipient = await _memory.ObserveAsync(Request(address, "m1", "r1", "l2") with { Behaviour = behaviour }, default);
        var membersAfterSame = await db.SortedSetLengthAsync(set);
        var second = await _memory.ObserveAsync(Request(address, "m2", "r2", "l1") with { Behaviour = behaviour }, default);

        Assert.Equal((1, false), (first.Facts.AddressRecipients, setAfterFirst));
        Assert.Equal((1, 1L), (sameRecipient.Facts.AddressRecipients, membersAfterSame));
        Assert.Equal((2, 2L), (second.Facts.AddressRecipients, await db.SortedSetLengthAsync(set)));
        Assert.InRange(listLife!.Value, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// A set made from a lone click's carried recipient holds it from then on: once that set is gone (here deleted, as its
    /// TTL would end it early after a reload that shortened the fan-out window), the entry must not count it again when a
    /// reload lengthens the window (the review of 2026-11-29: r3 counted 2, the in-process store 1).
    /// </summary>
    [Fact]
    public async Task ARecipientCarriedIntoASet_DoesNotCountAgainOnceTheSetIsGone()
    {
        var address = Address();
        var start = Now;
        var (shorter, longer) = (FanoutWindowOf(TimeSpan.FromMilliseconds(200)), FanoutWindowOf(TimeSpan.FromSeconds(3)));
        await _memory.ObserveAsync(Request(address, "m1", "r1", "l1") with { Behaviour = longer }, default);
        var madeTheSet = await _memory.ObserveAsync(Request(address, "m1", "r2", "l1") with { Now = start + TimeSpan.FromMilliseconds(300), Behaviour = shorter }, default);
        Assert.True(await _connection.GetDatabase().KeyDeleteAsync($"{_prefix}{{ip:{address}}}:rcpt:shape-{address}"));

        var afterReload = await _memory.ObserveAsync(Request(address, "m1", "r3", "l1") with { Now = start + TimeSpan.FromMilliseconds(1200), Behaviour = longer }, default);

        Assert.Equal(1, madeTheSet.Facts.AddressRecipients); // r1 had left the 200-ms window
        Assert.Equal(1, afterReload.Facts.AddressRecipients);
    }

    [Fact]
    public async Task EveryKey_IsNamespacedHashTaggedAndExpires_WhateverItsIdsHold()
    {
        var message = $"m-{Guid.NewGuid():N}:{{x}}";
        await _memory.ObserveAsync(Request(IPAddress.Parse("192.0.2.77"), message, "r}1", "l1"), default);
        await _memory.ObserveAsync(Request(IPAddress.Parse("2001:db8::77"), message, "r{2:", "l1", new AddressTag(90, "ua.library", Now)), default);

        var server = _connection.GetServer(_connection.GetEndPoints()[0]);
        var keys = server.Keys(pattern: _prefix + "*").Select(k => k.ToString()).ToList();
        Assert.True(keys.Count >= 9, string.Join("\n", keys));
        foreach (var key in keys)
        {
            // One { and one } each: an id can neither end the hash tag early nor move a key to another slot.
            Assert.Matches(@"^lg:conformance-[0-9a-f]+:\{(ip|net|m|mc|shape|msg):[^{}]+\}:(tag|recent|honey|rcpt|links|seen)(:[^{}]+)?$", key);
            var ttl = await _connection.GetDatabase().KeyTimeToLiveAsync(key);
            Assert.True(ttl is not null && ttl > TimeSpan.Zero && ttl <= Ttl, $"{key} has TTL {ttl}");
        }
    }
}
