using System.Collections.Concurrent;

namespace LinkGateway.Guard;

public class RequestIdsTests
{
    private static readonly DateTimeOffset _at = new(2026, 11, 29, 23, 30, 0, 123, TimeSpan.Zero);

    [Fact]
    public void AnId_IsAVersion7UuidOfItsTime_In32LowerCaseHexDigits()
    {
        var id = RequestIds.New(_at);

        Assert.Matches("^[0-9a-f]{32}$", id);
        var uuid = Guid.ParseExact(id, "N");
        Assert.Equal(7, uuid.Version);
        Assert.Contains(id[16], "89ab"); // the variant: 10 in its top bits
        Assert.Equal(_at.ToUnixTimeMilliseconds(), Convert.ToInt64(id[..12], 16));
    }

    [Fact]
    public void Ids_SortByTime()
    {
        var ids = Enumerable.Range(0, 1000).Select(i => (At: _at.AddMilliseconds(i * 7919 % 1000), Id: RequestIds.New(_at.AddMilliseconds(i * 7919 % 1000)))).ToList();

        Assert.Equal(ids.OrderBy(e => e.At).Select(e => e.At), ids.OrderBy(e => e.Id, StringComparer.Ordinal).Select(e => e.At));
    }

    [Fact]
    public void IdsOfOneMillisecond_FromManyThreads_AreAllDifferent()
    {
        // More ids per thread than one fill of random bits gives, from more threads than the pool has cores.
        var ids = new ConcurrentBag<string>();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, _ =>
        {
            for (var i = 0; i < RequestIds.IdsPerFill * 40; i++)
            {
                ids.Add(RequestIds.New(_at));
            }
        });

        Assert.Equal(8 * RequestIds.IdsPerFill * 40, ids.Distinct().Count());
        // Each of the 74 random bits takes both values: none is fixed by mistake.
        var bits = ids.Select(id => Convert.FromHexString(id)).Aggregate((Or: new byte[16], And: Enumerable.Repeat((byte)0xFF, 16).ToArray()),
            (acc, b) => (acc.Or.Zip(b, (x, y) => (byte)(x | y)).ToArray(), acc.And.Zip(b, (x, y) => (byte)(x & y)).ToArray()));
        Assert.Equal("0FFF3FFFFFFFFFFFFFFF", Convert.ToHexString(bits.Or.Zip(bits.And, (o, a) => (byte)(o & ~a)).ToArray()[6..]));
    }
}
