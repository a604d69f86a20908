using System.Net;

namespace LinkGateway.Signatures;

public class NetworkRangeSetTests
{
    private static readonly NetworkInfo _outer = new("outer", NetworkCategory.Datacenter, NetworkScope.All, Certainty.Probable);
    private static readonly NetworkInfo _inner = new("inner", NetworkCategory.Vendor, NetworkScope.Clicks, Certainty.Certain);
    private static readonly NetworkInfo _other = new("other", NetworkCategory.Vendor, NetworkScope.All, Certainty.Certain);

    private static readonly NetworkRangeSet _set = NetworkRangeSet.Build(
    [
        (IPNetwork.Parse("10.0.0.0/8"), _outer),
        (IPNetwork.Parse("10.1.0.0/16"), _inner),
        (IPNetwork.Parse("10.1.2.0/24"), _other),
        (IPNetwork.Parse("192.0.2.7/32"), _other),
        (IPNetwork.Parse("2001:db8::/32"), _outer),
        (IPNetwork.Parse("2001:db8:1::/48"), _inner),
    ]);

    [Theory]
    [InlineData("10.0.0.0", "outer")]
    [InlineData("10.0.255.255", "outer")]
    [InlineData("10.1.0.0", "inner")]
    [InlineData("10.1.2.0", "other")]
    [InlineData("10.1.2.255", "other")]
    [InlineData("10.1.3.0", "inner")]
    [InlineData("10.1.255.255", "inner")]
    [InlineData("10.2.0.0", "outer")]
    [InlineData("10.255.255.255", "outer")]
    [InlineData("11.0.0.0", null)]
    [InlineData("9.255.255.255", null)]
    [InlineData("192.0.2.7", "other")]
    [InlineData("192.0.2.6", null)]
    [InlineData("192.0.2.8", null)]
    [InlineData("::ffff:10.1.2.3", "other")]
    [InlineData("2001:db8::1", "outer")]
    [InlineData("2001:db8:1::1", "inner")]
    [InlineData("2001:db8:2::1", "outer")]
    [InlineData("2001:db9::1", null)]
    public void Lookup_MostSpecificBlockWins(string address, string? expected)
    {
        Assert.Equal(expected, _set.Lookup(IPAddress.Parse(address))?.Family);
    }

    [Fact]
    public void WholeAddressSpace_IncludingItsEnds()
    {
        var all = NetworkRangeSet.Build([(IPNetwork.Parse("0.0.0.0/0"), _outer), (IPNetwork.Parse("255.255.255.255/32"), _inner), (IPNetwork.Parse("::/0"), _outer)]);

        Assert.Equal("outer", all.Lookup(IPAddress.Parse("0.0.0.0"))?.Family);
        Assert.Equal("inner", all.Lookup(IPAddress.Parse("255.255.255.255"))?.Family);
        Assert.Equal("outer", all.Lookup(IPAddress.Parse("255.255.255.254"))?.Family);
        Assert.Equal("outer", all.Lookup(IPAddress.Parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"))?.Family);
    }

    [Fact]
    public void Lookup_AgreesWithIPNetworkContains_OnRandomRanges()
    {
        // Property check against the framework's own Contains: random nested and disjoint blocks, random probes.
        var random = new Random(20261123);
        var networks = new List<(IPNetwork Network, NetworkInfo Info)>();
        for (var i = 0; i < 400; i++)
        {
            var prefix = random.Next(8, 33);
            var bytes = new byte[4];
            random.NextBytes(bytes);
            var network = new IPNetwork(Mask(new IPAddress(bytes), prefix), prefix);
            networks.Add((network, new NetworkInfo($"n{i}", NetworkCategory.Vendor, NetworkScope.All, Certainty.Certain)));
        }

        var set = NetworkRangeSet.Build(networks);
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[4];
            random.NextBytes(bytes);
            var address = new IPAddress(bytes);
            var expected = networks.Where(n => n.Network.Contains(address)).OrderByDescending(n => n.Network.PrefixLength).FirstOrDefault();
            var found = set.Lookup(address);
            if (expected.Info is null)
            {
                Assert.Null(found);
            }
            else
            {
                // Equal blocks listed twice may resolve to either; compare the block, not the name.
                Assert.NotNull(found);
                var foundNetwork = networks.First(n => ReferenceEquals(n.Info, found)).Network;
                Assert.Equal(expected.Network.PrefixLength, foundNetwork.PrefixLength);
                Assert.True(foundNetwork.Contains(address));
            }
        }
    }

    [Theory]
    [InlineData("40.107.3.10", "vendor")] // a cloud block inside a vendor's: the vendor stays
    [InlineData("40.107.9.1", "vendor")]
    [InlineData("40.64.0.1", "cloud")]
    [InlineData("172.226.1.1", "relay")] // a relay inside a cloud block: people
    [InlineData("172.227.0.1", "cloud")]
    [InlineData("66.249.66.1", "crawler")] // the same block in two files: the more telling one
    public void Ranked_HigherRankWinsOverlaps_WhateverTheSizes(string address, string expected)
    {
        var cloud = new NetworkInfo("cloud", NetworkCategory.Datacenter, NetworkScope.All, Certainty.Probable);
        var vendor = new NetworkInfo("vendor", NetworkCategory.Vendor, NetworkScope.All, Certainty.Certain);
        var relay = new NetworkInfo("relay", NetworkCategory.PersonRelay, NetworkScope.All, Certainty.Certain);
        var crawler = new NetworkInfo("crawler", NetworkCategory.Crawler, NetworkScope.All, Certainty.Certain);
        var set = NetworkRangeSet.Build(
        [
            (IPNetwork.Parse("66.249.66.0/24"), crawler),
            (IPNetwork.Parse("40.64.0.0/10"), cloud),
            (IPNetwork.Parse("40.107.0.0/16"), vendor),
            (IPNetwork.Parse("40.107.2.0/23"), cloud),
            (IPNetwork.Parse("172.224.0.0/12"), cloud),
            (IPNetwork.Parse("172.226.0.0/16"), relay),
            (IPNetwork.Parse("66.249.66.0/24"), cloud),
        ], info => info.Category.Precedence());

        Assert.Equal(expected, set.Lookup(IPAddress.Parse(address))?.Family);
    }

    [Fact]
    public void Ranked_AgreesWithBruteForce_OnRandomRanges()
    {
        // The rule written out: among the blocks holding the address, the highest rank, then the longest prefix.
        var random = new Random(20261129);
        var networks = new List<(IPNetwork Network, NetworkInfo Info)>();
        var categories = Enum.GetValues<NetworkCategory>();
        for (var i = 0; i < 400; i++)
        {
            var prefix = random.Next(8, 25);
            var bytes = new byte[4];
            random.NextBytes(bytes);
            bytes[0] = (byte)(bytes[0] & 0x0F); // crowd them into 0.0.0.0/4 so that they overlap
            var category = categories[random.Next(categories.Length)];
            networks.Add((new IPNetwork(Mask(new IPAddress(bytes), prefix), prefix), new NetworkInfo($"n{i}", category, NetworkScope.All, Certainty.Certain)));
        }

        var set = NetworkRangeSet.Build(networks, info => info.Category.Precedence());
        for (var i = 0; i < 20_000; i++)
        {
            var bytes = new byte[4];
            random.NextBytes(bytes);
            bytes[0] = (byte)(bytes[0] & 0x0F);
            var address = new IPAddress(bytes);
            var expected = networks.Where(n => n.Network.Contains(address))
                .OrderByDescending(n => n.Info.Category.Precedence()).ThenByDescending(n => n.Network.PrefixLength).FirstOrDefault();
            var found = set.Lookup(address);
            if (expected.Info is null)
            {
                Assert.Null(found);
                continue;
            }

            // Equal blocks of one rank listed twice may resolve to either; compare rank and block.
            Assert.NotNull(found);
            var foundNetwork = networks.First(n => ReferenceEquals(n.Info, found)).Network;
            Assert.Equal(expected.Info.Category.Precedence(), found.Category.Precedence());
            Assert.Equal(expected.Network.PrefixLength, foundNetwork.PrefixLength);
            Assert.True(foundNetwork.Contains(address));
        }
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var bit = prefix; bit < 32; bit++)
        {
            bytes[bit / 8] &= (byte)~(0x80 >> (bit % 8));
        }

        return new IPAddress(bytes);
    }
}
