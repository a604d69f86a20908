using System.Net;
using LinkGateway.Infrastructure;
using LinkGateway.Signals;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The two stores keep different layouts (Redis keeps the recipient of a click alone at its address in its recent request,
/// not in a set), so beside the conformance suite's cases they are driven through the same random sequences of clicks, tags
/// and fold-back — a few addresses, clients, recipients and links — and must recall the same facts and fold back the same
/// requests at every step. Time moves on in steps that land on the windows' ends (3 s links, 10 s honeypot, 30 s domain,
/// 60 s fan-out), where a store that counts a member at its window's end differs; the delivery window is a week, so no
/// tag of a sequence expires on one clock and not on the other (Redis's TTLs run on the server's). Seeds are fixed: a
/// failure names the sequence and the step. Each address stays under Behaviour:FoldBackMaxEntries requests, below which
/// the layouts count alike (docs/concepts/memory.md).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class StoreAgreementTests(RedisFixture redis) : IAsyncLifetime
{
    private static readonly string[] _clients = ["browser-a", "browser-b", "browser-c"];
    private static readonly string[] _recipients = ["r1", "r2", "r3", "r4"];
    private static readonly string[] _links = ["l1", "l2", "l3"];
    private static readonly int[] _seconds = [0, 1, 2, 3, 5, 10, 15, 30, 59, 60, 61];
    private static readonly BehaviourOptions _behaviour = BehaviourOptions.Default with { DeliveryWindow = TimeSpan.FromDays(7) };

    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public async Task RandomClicksTagsAndFoldBack_RecallTheSameInBothStores(int seed)
    {
        for (var sequence = 0; sequence < 8; sequence++)
        {
            await RunSequenceAsync(new Random(seed * 1000 + sequence), $"seed {seed}, sequence {sequence}");
        }
    }

    private async Task RunSequenceAsync(Random random, string name)
    {
        var start = DateTimeOffset.UtcNow;
        var time = new FakeTimeProvider(start);
        using var inProcess = new InProcessGatewayMemory(new MemoryKeys("lg:"), time, maxBytes: 16 * 1024 * 1024);
        var inRedis = new RedisGatewayMemory(_connection, new MemoryKeys($"lg:agree-{Guid.NewGuid():N}:"));
        var addresses = new[] { IPAddress.Parse(Clients.NextAddress()), IPAddress.Parse(Clients.NextAddress()) };
        var messages = new[] { $"m-{Guid.NewGuid():N}", $"m-{Guid.NewGuid():N}" };
        MemoryObservation? previous = null;
        for (var step = 0; step < 40; step++)
        {
            time.Advance(TimeSpan.FromSeconds(_seconds[random.Next(_seconds.Length)]));
            var at = $"{name}, step {step}";
            if (previous is not null && random.Next(10) == 0)
            {
                // Behaviour revealed a scanner after the verdict: the tags and the fold-back of its client's requests.
                var remember = new MemoryRemember(previous with { Now = time.GetUtcNow() }, new AddressTag(91, "burst.links", time.GetUtcNow()),
                    TagAddress: true, TagShape: random.Next(2) == 0, []);
                Assert.Equal(RequestIds(await inProcess.RememberAsync(remember, default)), RequestIds(await inRedis.RememberAsync(remember, default)));
                continue;
            }

            var address = addresses[random.Next(addresses.Length)];
            var newTag = random.Next(12) == 0 ? new AddressTag(94, "ua.library", time.GetUtcNow()) : null;
            // Drawn in the order the sequences were first drawn in, so each seed still makes the same sequence.
            var (honeypot, message, recipient, link) = (random.Next(30) == 0, messages[random.Next(messages.Length)], _recipients[random.Next(_recipients.Length)],
                _links[random.Next(_links.Length)]);
            var sentAt = random.Next(6) == 0 ? time.GetUtcNow() - TimeSpan.FromDays(8) : (DateTimeOffset?)null; // now and then past the delivery window: no fan-out
            var observation = Observations.Click(time.GetUtcNow(), address, message, recipient, link, newTag, honeypot, _clients[random.Next(_clients.Length)], sentAt,
                personRelay: random.Next(20) == 0, _behaviour);

            var expected = await inProcess.ObserveAsync(observation, default);
            var actual = await inRedis.ObserveAsync(observation, default);

            Assert.True(expected.Facts == actual.Facts, $"{at}: in-process {expected.Facts}, Redis {actual.Facts}");
            Assert.True(expected.AddressTag is null == actual.AddressTag is null, $"{at}: the address's tag");
            Assert.True(RequestIds(expected.FoldBack).SequenceEqual(RequestIds(actual.FoldBack)), $"{at}: fold-back");
            previous = observation;
        }
    }

    private static List<string> RequestIds(IReadOnlyList<FoldBackEvent> events) => events.SelectMany(e => e.Requests).Select(r => r.RequestId).ToList();
}
