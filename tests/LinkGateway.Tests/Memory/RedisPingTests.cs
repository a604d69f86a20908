using System.Net;
using LinkGateway.Infrastructure;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The probe's own connection to a real redis-server: what it reads of the server's expiry passes, and that reading it
/// leaves the connection fit for the next probe whatever the server answers.
/// </summary>
public sealed class RedisPingTests
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public async Task ExpiryPassesPerSecond_IsTheConfiguredHz(int hz)
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--hz", hz.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        Assert.Equal(hz, ping.ExpiryPassesPerSecond(_timeout));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip); // nothing of the long reply left to be read as the next answer
    }

    // A managed or hardened Redis may rename or refuse INFO: the probe learns nothing, and goes on probing.
    [Fact]
    public async Task ExpiryPassesPerSecond_IsUnknown_WhenInfoIsRenamed_AndTheProbeGoesOn()
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--rename-command", "INFO", "\"\""]);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        Assert.Null(ping.ExpiryPassesPerSecond(_timeout));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
    }
}
