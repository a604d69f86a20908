using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LinkGateway.Infrastructure;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The probe's own connection: what it reads of a server's expiry passes (from a real redis-server, and from a scripted
/// server for the answers no real Redis gives), and that reading it leaves the connection fit for the next probe whatever
/// the server answers.
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
        Assert.Equal((hz, true), ping.ExpiryPassesPerSecond(_timeout));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip); // nothing of the long reply left to be read as the next answer
    }

    // A managed or hardened Redis may rename or refuse INFO: the probe learns nothing, and goes on probing.
    [Fact]
    public async Task ExpiryPassesPerSecond_IsUnknown_WhenInfoIsRenamed_AndTheProbeGoesOn()
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--rename-command", "INFO", "info-renamed"]);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        Assert.Equal((null, true), ping.ExpiryPassesPerSecond(_timeout));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
    }

    // Answers a RESP2 server never gives to INFO (a RESP3 verbatim string, an array, a bulk string too long to read):
    // whatever is left of them must not be read as the next probe's answer.
    [Theory]
    [InlineData("=20\r\ntxt:# Server\r\nhz:10\r\n")]
    [InlineData("*1\r\n$5\r\nhz:10\r\n")]
    [InlineData("$100000\r\n# Server\r\nhz:10\r\n")]
    public async Task ExpiryPassesPerSecond_OnAnUnexpectedAnswer_LeavesNothingForTheNextProbe(string answer)
    {
        await using var server = new ScriptedRedis(Encoding.ASCII.GetBytes(answer), byteDelay: TimeSpan.Zero);
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        Assert.Equal((null, true), ping.ExpiryPassesPerSecond(_timeout));
        var next = ping.Ping(_timeout);
        Assert.True(next.RoundTrip is not null, next.Problem);
    }

    // A server that sends its answer a byte at a time holds the probe's thread for the timeout, not for every byte's.
    [Fact]
    public async Task ExpiryPassesPerSecond_GivesUpAtTheTimeout_OnAnAnswerThatTrickles()
    {
        await using var server = new ScriptedRedis(Encoding.ASCII.GetBytes("$40\r\n# Server\r\nconfigured_hz:10\r\nhz:10\r\nxx\r\n"), byteDelay: TimeSpan.FromMilliseconds(40));
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);

        var asked = Stopwatch.StartNew();
        var (hz, answered) = ping.ExpiryPassesPerSecond(TimeSpan.FromMilliseconds(300));
        asked.Stop();

        Assert.Equal((null, false), (hz, answered));
        // Byte by byte the answer takes about 2 s (48 bytes, 40 ms each); reads timed one by one never time out.
        Assert.True(asked.Elapsed < TimeSpan.FromSeconds(1.5), $"held the probe for {asked.Elapsed}");
        Assert.NotNull(ping.Ping(_timeout).RoundTrip); // a new connection: no stale bytes
    }

    /// <summary>
    /// A loopback server speaking just enough RESP for the probe: ":1" to every EVAL, the given bytes to INFO (one at a
    /// time, <c>byteDelay</c> apart, when asked to trickle).
    /// </summary>
    private sealed class ScriptedRedis : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        public ScriptedRedis(byte[] infoAnswer, TimeSpan byteDelay)
        {
            _listener.Start();
            _serving = ServeAsync(infoAnswer, byteDelay);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving.ContinueWith(_ => { }, TaskScheduler.Default); // stopped, however it ended
            _stop.Dispose();
        }

        private async Task ServeAsync(byte[] infoAnswer, TimeSpan byteDelay)
        {
            var connections = new List<Task>();
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    connections.Add(AnswerAsync(client, infoAnswer, byteDelay));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            await Task.WhenAll(connections).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        private async Task AnswerAsync(TcpClient client, byte[] infoAnswer, TimeSpan byteDelay)
        {
            using var _ = client;
            var stream = client.GetStream();
            var reader = new StreamReader(stream, Encoding.ASCII);
            try
            {
                while (await reader.ReadLineAsync(_stop.Token) is { } header && header.StartsWith('*'))
                {
                    var parts = new List<string>();
                    for (var i = 0; i < int.Parse(header[1..], System.Globalization.CultureInfo.InvariantCulture); i++)
                    {
                        await reader.ReadLineAsync(_stop.Token); // $length
                        parts.Add(await reader.ReadLineAsync(_stop.Token) ?? string.Empty);
                    }

                    if (parts[0] != "INFO")
                    {
                        await stream.WriteAsync(":1\r\n"u8.ToArray(), _stop.Token);
                    }
                    else if (byteDelay == TimeSpan.Zero)
                    {
                        await stream.WriteAsync(infoAnswer, _stop.Token);
                    }
                    else
                    {
                        foreach (var b in infoAnswer)
                        {
                            await stream.WriteAsync(new[] { b }, _stop.Token);
                            await Task.Delay(byteDelay, _stop.Token); // the trickle is the behaviour under test
                        }
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
