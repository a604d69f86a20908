using System.Net;

namespace LinkGateway.Signatures;

public class CidrMergerTests
{
    [Theory]
    [InlineData("192.0.2.0/25 192.0.2.128/25", "192.0.2.0/24")] // neighbours joined
    [InlineData("192.0.2.0/24 192.0.2.64/26 192.0.2.0/24", "192.0.2.0/24")] // contained and repeated blocks dropped
    [InlineData("192.0.2.128/25 192.0.2.0/25 198.51.100.0/24", "192.0.2.0/24 198.51.100.0/24")] // in address order
    [InlineData("10.0.0.1/32 10.0.0.2/32", "10.0.0.1/32 10.0.0.2/32")] // touching but not aligned: no /31 holds both
    [InlineData("10.0.0.1/32 10.0.0.2/31", "10.0.0.1/32 10.0.0.2/31")]
    [InlineData("10.0.0.0/32 10.0.0.1/32 10.0.0.2/31", "10.0.0.0/30")]
    [InlineData("2001:db8::/33 2001:db8:8000::/33 192.0.2.0/24", "192.0.2.0/24 2001:db8::/32")] // IPv4 first
    [InlineData("0.0.0.0/1 128.0.0.0/1", "0.0.0.0/0")]
    [InlineData("::/1 8000::/1", "::/0")]
    [InlineData("255.255.255.254/32 255.255.255.255/32", "255.255.255.254/31")]
    public void Merge_GivesTheFewestDisjointBlocks(string input, string expected)
    {
        var merged = CidrMerger.Merge(input.Split(' ').Select(IPNetwork.Parse));

        Assert.Equal(expected, string.Join(' ', merged));
    }

    [Fact]
    public void Merge_CoversExactlyTheSameAddresses_OnRandomBlocks()
    {
        // Property check: every probe is inside the merged blocks exactly when it is inside one of the input blocks, and the
        // merged blocks are disjoint and cannot be joined further.
        var random = new Random(20261129);
        var blocks = Enumerable.Range(0, 300).Select(_ =>
        {
            var prefix = random.Next(20, 33);
            var value = (uint)random.Next(0x0A000000, 0x0A100000) & (prefix == 0 ? 0 : uint.MaxValue << (32 - prefix)); // inside 10.0.0.0/12
            return new IPNetwork(new IPAddress(BitConverter.GetBytes(value).Reverse().ToArray()), prefix);
        }).ToList();

        var merged = CidrMerger.Merge(blocks);

        for (var i = 0; i < 20_000; i++)
        {
            var probe = new IPAddress(BitConverter.GetBytes((uint)random.Next(0x0A000000, 0x0A100000)).Reverse().ToArray());
            Assert.Equal(blocks.Any(b => b.Contains(probe)), merged.Count(m => m.Contains(probe)) == 1);
        }

        Assert.Equal(merged, CidrMerger.Merge(merged));
    }
}
