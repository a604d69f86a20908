using System.Diagnostics;
using System.Net;
using LinkGateway.Infrastructure;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace LinkGateway.Memory;

/// <summary>The in-process store's own accounting against the managed heap it really takes.</summary>
[Collection(HeapCollection.Name)]
public sealed class InProcessTableTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(20_000, false)] // a person's click each: address, its fan-out, /24, shape and its fan-out, message links, message/client
    [InlineData(20_000, true)] // the same, each also a bot tagging its address and shape
    public async Task EstimatedBytes_CoverTheMeasuredHeap_WithoutOverstatingItTwice(int requests, bool bots)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var observations = Enumerable.Range(0, requests).Select(i =>
        {
            var address = new IPAddress([10, (byte)(i >> 16), (byte)(i >> 8), (byte)i]);
            return Observations.Click(time.GetUtcNow(), address, $"m-{i:D8}", $"r-{i:D8}", "l-1",
                bots ? new AddressTag(90, "ua.library,hdr.accept-any", time.GetUtcNow()) : null, client: $"{i:x16}");
        }).ToList(); // made before measuring: the store's share of them is what it keeps

        // Earlier tests' leftovers (a host still disposing, a reconnect loop) may let go of or take megabytes while the store
        // is measured: a reading before and one with the store counted a release against it (12.8 MB measured for a store of
        // about 60, on a loaded machine), one with and one after for it (70 and 96 MB in full runs). So each cycle reads the
        // heap settled before the store, with it, and after it is dropped, each reading timed, and takes as the store's what
        // "with" holds over the line from "before" to "after" at the time of "with": a change at a steady pace is on that line.
        // A change at one moment still moves a cycle's figure up or down, so there are three cycles and the middle figure is
        // the store's. A cycle's "after" is the next one's "before".
        var (estimated, entities) = (0L, 0);
        var cycles = new List<long>();
        var before = await SettledHeapAsync();
        while (cycles.Count < 3)
        {
            var memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), time, 1024L * 1024 * 1024);
            foreach (var observation in observations)
            {
                await memory.ObserveAsync(observation, default);
            }

            (estimated, entities) = (memory.Bytes, memory.EntityCount);
            var with = await SettledHeapAsync();
            memory.Dispose();
            memory = null;
            var after = await SettledHeapAsync();
            var share = (double)(with.At - before.At) / (after.At - before.At);
            cycles.Add(with.Bytes - (long)(before.Bytes + share * (after.Bytes - before.Bytes)));
            before = after;
        }

        var measured = cycles.Order().ElementAt(1);
        output.WriteLine($"{requests} requests ({(bots ? "bots" : "people")}), {entities} entities: estimated {estimated:N0} B ({estimated / entities} per entity), " +
                         $"measured {measured:N0} B ({measured / entities} per entity; cycles {string.Join(", ", cycles.Select(c => c.ToString("N0")))}), estimate/measured {(double)estimated / measured:F2}");
        Assert.InRange(estimated, measured, 2 * measured);
    }

    /// <summary>
    /// The heap after full collections, once two readings in a row agree within 256 KB (ten at most), and when it was read:
    /// what leftovers let go of between two readings is not the store's. Nothing signals that they are done: each try
    /// gives them 100 ms.
    /// </summary>
    private static async Task<(long Bytes, long At)> SettledHeapAsync()
    {
        var last = GC.GetTotalMemory(forceFullCollection: true);
        for (var tries = 0; tries < 10; tries++)
        {
            await Task.Delay(100);
            GC.WaitForPendingFinalizers();
            var now = GC.GetTotalMemory(forceFullCollection: true);
            if (Math.Abs(now - last) < 256 * 1024)
            {
                return (now, Stopwatch.GetTimestamp());
            }

            last = now;
        }

        return (last, Stopwatch.GetTimestamp());
    }
}
