using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text.Json;
using LinkGateway.Infrastructure;
using LinkGateway.Signing;
using Microsoft.AspNetCore.Http;

namespace LinkGateway.FoldBackHooks;

/// <summary>
/// Fold-back events POSTed to a real receiver on loopback that fails, goes away and comes back: every event arrives at
/// least once, a repeat carries the same idempotency key, and the signature verifies with <see cref="BotHeaderSignature"/>.
/// With the in-process store and with a real Redis (several nodes sharing it).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class FoldBackWebhookTests(RedisFixture redis)
{
    [Theory]
    [InlineData("in-process")]
    [InlineData("redis")]
    public async Task ReceiverThatFailsThenGoesAwayThenRecovers_GetsEveryEventAtLeastOnce_Signed(string store)
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status500InternalServerError);
        await using var gateway = await GatewayHost.StartAsync(store == "redis" ? redis.Server.Configuration : null, settings: Webhook(receiver));
        using var metrics = new WebhookCounters(gateway);

        var triggers = await MakeFoldBackAsync(gateway, 3);

        // Each event was tried and answered 500; then the receiver is away and the gateway keeps trying.
        await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t)));
        await receiver.DownAsync();
        var retriedBefore = metrics.Sum("linkgateway.foldback.webhook.retried");
        await metrics.WaitUntilAsync(m => m.Sum("linkgateway.foldback.webhook.retried") >= retriedBefore + (2 * triggers.Count));
        receiver.Status = StatusCodes.Status200OK;
        await receiver.UpAsync();

        await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t && h.Answered == 200)));
        var hooks = receiver.Received;
        var signature = new BotHeaderSignature(gateway.SigningKey);
        foreach (var hook in hooks)
        {
            Assert.Equal(WebhookReceiver.Path, hook.PathAndQuery);
            Assert.True(signature.VerifyWebhook(hook.Signature!, "POST", hook.PathAndQuery, long.Parse(hook.Timestamp!, CultureInfo.InvariantCulture), hook.Body),
                $"signature of {hook.IdempotencyKey} does not verify");
            using var body = JsonDocument.Parse(hook.Body);
            Assert.Equal(hook.IdempotencyKey, body.RootElement.GetProperty("id").GetString());
            Assert.Single(body.RootElement.GetProperty("requests").EnumerateArray()); // the click before the honeypot hit
        }

        // A repeat is recognisably the same event: one key per trigger, the same body each time.
        foreach (var group in hooks.GroupBy(Trigger))
        {
            Assert.Single(group.Select(h => h.IdempotencyKey).Distinct());
            Assert.Single(group.Select(h => Convert.ToBase64String(h.Body)).Distinct());
            Assert.True(group.Count() >= 2, "each event was first answered 500, so it came again");
        }

        Assert.Equal(triggers.Order(), hooks.Select(Trigger).Distinct().Order());
        await metrics.WaitUntilAsync(m => m.Sum("linkgateway.foldback.webhook.delivered") == triggers.Count);
        if (store == "redis")
        {
            await NothingPendingAsync(gateway);
        }
    }

    [Fact]
    public async Task AReceiverThatNeverAnswersInTime_GetsTheWaitingEventsTogether_NotOneTimeoutAfterAnother()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status200OK);
        receiver.AnswerDelay = TimeSpan.FromSeconds(3); // past the 1 s Timeout: every POST counts as no answer
        await using var gateway = await GatewayHost.StartAsync(settings: Webhook(receiver));

        var triggers = await MakeFoldBackAsync(gateway, 10);

        await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t)));
        var firstArrivals = receiver.Received.GroupBy(Trigger).Select(group => group.Min(h => h.ArrivedAt)).ToList();
        // One after another they would take 10 × 1 s; together, the events made while the first POST waits go in the next round.
        Assert.InRange(firstArrivals.Max() - firstArrivals.Min(), TimeSpan.Zero, TimeSpan.FromSeconds(3));
    }

    [Fact]
    public async Task TwoGatewaysSharingRedis_DeliverEachEventOnce()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status200OK);
        var prefix = $"lg:hooks-{Guid.NewGuid():N}:";
        await using var nodeA = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, Webhook(receiver));
        await using var nodeB = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, Webhook(receiver), signingKey: nodeA.SigningKey);

        var triggers = (await MakeFoldBackAsync(nodeA, 4)).Concat(await MakeFoldBackAsync(nodeB, 4)).ToList();

        await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t)));
        await NothingPendingAsync(nodeA); // every event acknowledged: none will come again
        Assert.All(receiver.Received.GroupBy(Trigger), group => Assert.Single(group));
        Assert.Equal(triggers.Count, receiver.Received.Count);

        // A node that stops holding nothing leaves the group, so restarts do not pile up consumers.
        var leaving = ((RedisFoldBackFeed)nodeB.Services.GetRequiredService<IFoldBackFeed>()).Consumer;
        await nodeB.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<FoldBackWebhookDelivery>().Single().StopAsync(default);
        await using var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var consumers = await redisClient.GetDatabase().StreamConsumerInfoAsync($"{prefix}{{events}}:foldback", RedisFoldBackFeed.Group);
        Assert.DoesNotContain(consumers, c => c.Name == leaving);
        // The group itself stays for the other node (whether that node is listed yet depends on its own next read).
        Assert.Contains(await redisClient.GetDatabase().StreamGroupInfoAsync($"{prefix}{{events}}:foldback"), g => g.Name == RedisFoldBackFeed.Group);
    }

    [Fact]
    public async Task AStreamLostWithItsGroup_RedisRestartedEmpty_DeliveryGoesOn_WithWhatWasWrittenMeanwhile()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status200OK);
        var prefix = $"lg:hooks-{Guid.NewGuid():N}:";
        await using var gateway = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, Webhook(receiver));
        var before = await MakeFoldBackAsync(gateway, 2);
        await receiver.WaitUntilAsync(got => before.All(t => got.Any(h => Trigger(h) == t)));

        // What a Redis without persistence looks like after a restart: the stream and its consumer group are gone.
        await using (var redisClient = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration))
        {
            await redisClient.GetDatabase().KeyDeleteAsync($"{prefix}{{events}}:foldback");
        }

        var after = await MakeFoldBackAsync(gateway, 2);

        await receiver.WaitUntilAsync(got => after.All(t => got.Any(h => Trigger(h) == t)));
        await NothingPendingAsync(gateway);
    }

    [Fact]
    public async Task NodeThatStopsMidDelivery_ItsEventsAreTakenOverByAnother()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status503ServiceUnavailable);
        var prefix = $"lg:hooks-{Guid.NewGuid():N}:";
        var settings = Webhook(receiver, claimAfter: "2s");
        List<string> triggers;
        byte[] key;
        await using (var first = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, settings))
        {
            key = first.SigningKey;
            triggers = await MakeFoldBackAsync(first, 2);
            await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t)));
        }

        // The first node read them and never acknowledged them: a node started afterwards claims them once they are idle.
        receiver.Status = StatusCodes.Status200OK;
        await using var second = await GatewayHost.StartAsync(redis.Server.Configuration, prefix, settings, signingKey: key);

        await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t && h.Answered == 200)));
        await NothingPendingAsync(second);
    }

    [Fact]
    public async Task ReceiverAwayForLong_TheNodeHoldsAtMostMaxInFlight_TheRestWaitInTheStream()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status503ServiceUnavailable);
        var settings = Webhook(receiver);
        settings["LinkGateway:FoldBack:Webhook:MaxInFlight"] = "2";
        await using var gateway = await GatewayHost.StartAsync(redis.Server.Configuration, settings: settings);
        using var metrics = new WebhookCounters(gateway);

        var triggers = await MakeFoldBackAsync(gateway, 5);
        await metrics.WaitUntilAsync(m => m.Sum("linkgateway.foldback.webhook.retried") >= 10);

        // Only two were read and are being retried; the other three are still unread in the stream.
        Assert.Equal(2, receiver.Received.Select(Trigger).Distinct().Count());
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        var group = Assert.Single(await connection.GetDatabase().StreamGroupInfoAsync(gateway.Services.GetRequiredService<Memory.MemoryKeys>().FoldBackStream));
        Assert.Equal((2, 3L), (group.PendingMessageCount, group.Lag));

        receiver.Status = StatusCodes.Status200OK;
        await receiver.WaitUntilAsync(got => triggers.All(t => got.Any(h => Trigger(h) == t && h.Answered == 200)));
        await NothingPendingAsync(gateway);
    }

    [Fact]
    public async Task StreamEntryThatIsNoFoldBackEvent_IsSkippedAndCounted_TheOthersStillArrive()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status200OK);
        await using var gateway = await GatewayHost.StartAsync(redis.Server.Configuration, settings: Webhook(receiver));
        using var metrics = new WebhookCounters(gateway);
        var first = await MakeFoldBackAsync(gateway, 1); // the group exists from here on
        await receiver.WaitUntilAsync(got => got.Count == 1);

        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        await connection.GetDatabase().StreamAddAsync(gateway.Services.GetRequiredService<Memory.MemoryKeys>().FoldBackStream, "entity", "written by something else");
        var second = await MakeFoldBackAsync(gateway, 1);

        await receiver.WaitUntilAsync(got => got.Any(h => Trigger(h) == second[0]));
        await metrics.WaitUntilAsync(m => m.Sum("linkgateway.foldback.webhook.failed") == 1);
        await NothingPendingAsync(gateway);
        Assert.Equal(first.Concat(second), receiver.Received.Select(Trigger));
    }

    [Fact]
    public async Task ReceiverThatRefusesWith400_IsNotAskedAgain_AndTheFailureIsCounted()
    {
        await using var receiver = await WebhookReceiver.StartAsync(StatusCodes.Status400BadRequest);
        await using var gateway = await GatewayHost.StartAsync(settings: Webhook(receiver));
        using var metrics = new WebhookCounters(gateway);

        var trigger = Assert.Single(await MakeFoldBackAsync(gateway, 1));

        await metrics.WaitUntilAsync(m => m.Sum("linkgateway.foldback.webhook.failed") == 1);
        Assert.Equal(trigger, Trigger(Assert.Single(receiver.Received)));
        Assert.Equal(0, metrics.Sum("linkgateway.foldback.webhook.retried"));
        await gateway.Log.WaitForAsync(e => e.MessageTemplate.Text.Contains("refused event", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1, null, 0.0, 500)] // half of the first delay, fixed …
    [InlineData(1, null, 0.999, 999)] // … and up to as much again, random
    [InlineData(2, null, 0.0, 1000)]
    [InlineData(4, null, 0.0, 4000)]
    [InlineData(20, null, 0.0, 60_000)] // capped: half of MaxRetryDelay
    [InlineData(20, null, 0.999, 119_940)]
    [InlineData(1, 30_000, 0.0, 15_000)] // the receiver's Retry-After, if longer …
    [InlineData(1, 3_600_000, 0.0, 60_000)] // … within the cap
    public void RetryDelay_DoublesFromTheFirst_CappedAtTheMax_HalfOfItJitter(int attempts, int? retryAfterMs, double random, int expectedMs)
    {
        var options = new FoldBackWebhookOptions(); // 1 s first, 2 min at most

        var delay = options.RetryDelay(attempts, retryAfterMs is { } ms ? TimeSpan.FromMilliseconds(ms) : null, random);

        Assert.Equal(expectedMs, (int)delay.TotalMilliseconds);
    }

    /// <summary>Webhook settings with short delays, so that a test sees several retries in a second.</summary>
    private static Dictionary<string, string?> Webhook(WebhookReceiver receiver, string claimAfter = "5s") => new()
    {
        ["LinkGateway:FoldBack:Webhook:Url"] = receiver.Url,
        ["LinkGateway:FoldBack:Webhook:Timeout"] = "1s",
        ["LinkGateway:FoldBack:Webhook:FirstRetryDelay"] = "50ms",
        ["LinkGateway:FoldBack:Webhook:MaxRetryDelay"] = "200ms",
        ["LinkGateway:FoldBack:Webhook:PollInterval"] = "50ms",
        ["LinkGateway:FoldBack:Webhook:ClaimAfter"] = claimAfter,
        ["LinkGateway:FoldBack:Webhook:MaxAttempts"] = "1000",
    };

    /// <summary>
    /// <paramref name="count"/> fold-back events: each from a client of its own that clicks as a person, then hits a
    /// honeypot, which tags its address and names the click. Returns the tagging requests' ids (each event's trigger).
    /// </summary>
    private static async Task<List<string>> MakeFoldBackAsync(GatewayHost gateway, int count)
    {
        var triggers = new List<string>();
        for (var i = 0; i < count; i++)
        {
            var address = Clients.NextAddress();
            var message = $"m-hook-{Guid.NewGuid():N}";
            Assert.Equal(System.Net.HttpStatusCode.Found, (await gateway.Client.SendAsync(Clients.Browser($"/c/{message}/r-1/l-1", address))).StatusCode);
            await gateway.Client.SendAsync(Clients.Browser($"/h/{message}/r-1", address));
            var hit = await gateway.Log.WaitForAsync(e => e.Properties.TryGetValue("RequestPath", out var p) && p.ToString() == $"\"/h/{message}/r-1\"");
            triggers.Add(hit.Properties["RequestIdSentToOrigin"].ToString().Trim('"'));
        }

        return triggers;
    }

    private static string Trigger(ReceivedHook hook)
    {
        using var body = JsonDocument.Parse(hook.Body);
        return body.RootElement.GetProperty("trigger").GetString()!;
    }

    /// <summary>Waits until the consumer group holds no event unacknowledged (the XACK follows the receiver's answer).</summary>
    private static async Task NothingPendingAsync(GatewayHost gateway)
    {
        var feed = (RedisFoldBackFeed)gateway.Services.GetRequiredService<IFoldBackFeed>();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (await feed.PendingAsync(default) != 0)
        {
            await Task.Delay(20, timeout.Token); // XACK raises nothing a test can await
        }
    }

    /// <summary>The webhook's counters of one gateway (its own meter factory), summed over their series.</summary>
    private sealed class WebhookCounters : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<string, long> _sums = new();

        public WebhookCounters(GatewayHost gateway)
        {
            var factory = gateway.Services.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == factory && instrument.Name.StartsWith("linkgateway.foldback.webhook.", StringComparison.Ordinal))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, _, _) => _sums.AddOrUpdate(instrument.Name, value, (_, sum) => sum + value));
            _listener.Start();
        }

        public long Sum(string name) => _sums.GetValueOrDefault(name);

        public async Task WaitUntilAsync(Func<WebhookCounters, bool> done)
        {
            // Counters raise no event a test can await; look every 20 ms, for at most 30 s.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (!done(this))
            {
                await Task.Delay(20, timeout.Token);
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
