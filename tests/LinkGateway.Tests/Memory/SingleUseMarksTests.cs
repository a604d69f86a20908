using LinkGateway.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>A pass's single-use mark when Redis answers but refuses to keep it.</summary>
public sealed class SingleUseMarksTests
{
    // Redis full under its default policy (noeviction) refuses every write while the probe's reads succeed: the circuit
    // stays closed, so the write-back is what keeps asking. It used to ask, and warn, every second for as long as it lasted.
    [Fact]
    public async Task ARedisThatRefusesWrites_IsAskedLessAndLessOften_AndTakesTheMarkOnceItAcceptsWrites()
    {
        await using var redis = await RedisServer.StartAsync(local: true);
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true");
        await connection.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory", "1");
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var log = new CapturingSink();
        using var loggers = new SerilogLoggerFactory(new LoggerConfiguration().WriteTo.Sink(log).CreateLogger(), dispose: true);
        var memory = new RedisGatewayMemory(connection, new MemoryKeys($"lg:marks-{Guid.NewGuid():N}:"));
        var marks = new SingleUseMarks(memory, StoreCircuit.AlwaysClosed(time), new RedisOptions(), time, new Microsoft.Extensions.Logging.Logger<SingleUseMarks>(loggers));

        Assert.True(await marks.TryConsumeAsync("nonce-1", TimeSpan.FromHours(1), CancellationToken.None)); // the person passes
        Assert.False(await marks.TryConsumeAsync("nonce-1", TimeSpan.FromHours(1), CancellationToken.None)); // and it is used

        var pauses = new List<TimeSpan>();
        for (var attempt = 1; attempt <= 8; attempt++)
        {
            var refused = await log.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Could not write", StringComparison.Ordinal), attempt);
            Assert.Equal(LogEventLevel.Warning, refused.Level);
            Assert.Contains("OOM", refused.RenderMessage(), StringComparison.Ordinal);
            pauses.Add((TimeSpan)((ScalarValue)refused.Properties["Pause"]).Value!);
            time.Advance(pauses[^1]);
        }

        Assert.Equal([1, 2, 4, 8, 10, 10, 10, 10], pauses.Select(p => p.TotalSeconds));

        // The ninth try, already due, is refused too; Redis then accepts writes again, and the tenth takes the mark.
        await log.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Could not write", StringComparison.Ordinal), 9);
        await connection.GetDatabase().ExecuteAsync("CONFIG", "SET", "maxmemory", "0");
        time.Advance(SingleUseMarks.LastRetry);
        await log.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Wrote", StringComparison.Ordinal));
        var otherNode = new SingleUseMarks(memory, StoreCircuit.AlwaysClosed(time), new RedisOptions(), time, new Microsoft.Extensions.Logging.Logger<SingleUseMarks>(loggers));
        Assert.False(await otherNode.TryConsumeAsync("nonce-1", TimeSpan.FromHours(1), CancellationToken.None)); // the store has it now
        Assert.True(await otherNode.TryConsumeAsync("nonce-2", TimeSpan.FromHours(1), CancellationToken.None));
    }
}
