using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using LinkGateway.Infrastructure;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The probe's own connection: what it reads of a server's expiry passes and memory limit (from a real redis-server, and from a scripted
/// server for the answers no real Redis gives), and that reading it leaves the connection fit for the next probe whatever
/// the server answers.
/// </summary>
public sealed class RedisPingTests
{
    private static readonly TimeSpan _timeout = TimeSpan.FromSeconds(2);

    [Theory]
    [InlineData(10)]
    [InlineData(100)]
    public async Task ServerFacts_HzIsTheConfiguredHz(int hz)
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--hz", hz.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        var (facts, answered, problem) = ping.ServerFacts(_timeout);
        Assert.Equal((hz, true, null), (facts?.Hz, answered, problem));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip); // nothing of the long reply left to be read as the next answer
    }

    // Redis's own default: no memory limit, and when one is set, writes refused once it is reached (noeviction).
    [Theory]
    [InlineData(new string[0], 0L, "noeviction", "has no memory limit (maxmemory 0)")]
    [InlineData(new[] { "--maxmemory", "64mb" }, 67108864L, "noeviction", "refuses writes once it holds 64 MB (maxmemory-policy noeviction)")]
    [InlineData(new[] { "--maxmemory", "64mb", "--maxmemory-policy", "allkeys-lru" }, 67108864L, "allkeys-lru", "evicts any key once it holds 64 MB (maxmemory-policy allkeys-lru)")]
    [InlineData(new[] { "--maxmemory", "64mb", "--maxmemory-policy", "volatile-lru" }, 67108864L, "volatile-lru", null)]
    public async Task ServerFacts_SayWhatRedisDoesWhenFull(string[] args, long maxMemory, string policy, string? problem)
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: args);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        var facts = ping.ServerFacts(_timeout).Facts!;
        Assert.Equal((maxMemory, policy), (facts.MaxMemory, facts.EvictionPolicy));
        if (problem is null)
        {
            Assert.Null(facts.MemoryProblem);
        }
        else
        {
            Assert.StartsWith(problem, facts.MemoryProblem);
        }
    }

    // INFO holds a line per kind of error Redis has answered, and a script names its errors freely: thousands of kinds make
    // an INFO of well over 64 KB (167 KB for 3,000), which a first version refused to read, saying neither hz nor memory.
    [Fact]
    public async Task ServerFacts_AreRead_FromAnInfoSwollenByErrorKinds()
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--hz", "100"]);
        await using (var client = await ConnectionMultiplexer.ConnectAsync(redis.Configuration + ",allowAdmin=true"))
        {
            var db = client.GetDatabase();
            await Task.WhenAll(Enumerable.Range(0, 3000).Select(i => db.ScriptEvaluateAsync($"return {{err='E{i:D5}XXXXXXXXXXXXXXXXXXXXXXXX boom'}}")
                .ContinueWith(t => t.Exception, TaskScheduler.Default)));
            Assert.True((await client.GetServer(client.GetEndPoints()[0]).InfoRawAsync())!.Length > 64 * 1024);
        }

        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        var (facts, answered, problem) = ping.ServerFacts(_timeout);

        Assert.Equal((100, 0L, true, null), (facts?.Hz, facts?.MaxMemory, answered, problem));
    }

    // What INFO may say of memory: a number that is none, a policy that is not a word (a hostile server's escape codes).
    [Theory]
    [InlineData("maxmemory:-1\r\nmaxmemory_policy:noeviction\r\n", null, "noeviction")]
    [InlineData("maxmemory:1048576\r\nmaxmemory_policy:noeviction\u001b[2J\r\n", 1048576L, null)]
    [InlineData("maxmemory:1048576\r\n", 1048576L, null)]
    public void ServerFacts_ReadOnlyANumberAndAPolicyName(string info, long? maxMemory, string? policy)
    {
        var facts = RedisServerFacts.Read("# Memory\r\n" + info);

        Assert.Equal((maxMemory, policy), (facts.MaxMemory, facts.EvictionPolicy));
        Assert.Null(facts.MemoryProblem); // nothing said for what was not read
    }

    [Theory]
    [InlineData("# Replication\r\nrole:slave\r\nmaster_host:10.0.0.2\r\n", true)]
    [InlineData("# Replication\r\nrole:master\r\nconnected_slaves:1\r\n", false)]
    [InlineData("# Replication\r\nrole:slave-ish\r\n", false)]
    [InlineData("# Server\r\nhz:10\r\n", false)] // INFO without its replication section says nothing of it
    public void ServerFacts_ReadTheRole(string info, bool replica) => Assert.Equal(replica, RedisServerFacts.Read(info).IsReplica);

    // A managed or hardened Redis may rename or refuse INFO: the probe learns nothing, and goes on probing.
    [Fact]
    public async Task ServerFacts_AreUnknown_WhenInfoIsRenamed_AndTheProbeGoesOn()
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--rename-command", "INFO", "info-renamed"]);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse(redis.Configuration));

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        var (facts, answered, problem) = ping.ServerFacts(_timeout);
        Assert.Equal((null, true), (facts, answered));
        Assert.Equal("answered ERR to INFO", problem);
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
    }

    // What INFO may say of hz: a Redis before 5.0 names only "hz", a mistaken or hostile one names nonsense.
    [Theory]
    [InlineData("# Server\r\nredis_version:4.0.14\r\nhz:10\r\n", 10)]
    [InlineData("# Server\r\nconfigured_hz:100\r\nhz:250\r\n", 100)]
    [InlineData("# Server\r\nconfigured_hz:0\r\nhz:-5\r\n", null)]
    [InlineData("# Server\r\nconfigured_hz:ten\r\nhz:99999999999\r\n", null)]
    [InlineData("# Server\r\nredis_version:7.0.15\r\n", null)]
    public async Task ServerFacts_ReadOnlyAWholePositiveHz(string info, int? hz)
    {
        var body = Encoding.ASCII.GetBytes(info);
        await using var server = new ScriptedRedis([.. Encoding.ASCII.GetBytes($"${body.Length}\r\n"), .. body, .. "\r\n"u8], byteDelay: TimeSpan.Zero);
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        var (read, answered, _) = ping.ServerFacts(_timeout);
        Assert.Equal((hz, true), (read?.Hz, answered));
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
    }

    // Answers a RESP2 server never gives to INFO (a RESP3 verbatim string, an array, a bulk string too long to read):
    // whatever is left of them must not be read as the next probe's answer.
    [Theory]
    [InlineData("=20\r\ntxt:# Server\r\nhz:10\r\n")]
    [InlineData("*1\r\n$5\r\nhz:10\r\n")]
    [InlineData("$2000000\r\n# Server\r\nhz:10\r\n")]
    public async Task ServerFacts_OnAnUnexpectedAnswer_LeaveNothingForTheNextProbe(string answer)
    {
        await using var server = new ScriptedRedis(Encoding.ASCII.GetBytes(answer), byteDelay: TimeSpan.Zero);
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());

        Assert.NotNull(ping.Ping(_timeout).RoundTrip);
        var (facts, answered, _) = ping.ServerFacts(_timeout);
        Assert.Equal((null, true), (facts, answered));
        var next = ping.Ping(_timeout);
        Assert.True(next.RoundTrip is not null, next.Problem);
    }

    // A server that sends its answer a byte at a time holds the probe's thread about the timeout (at most twice it), not
    // for every byte's: the whole answer, sent 50 ms a byte, would take 2.2 s (44 bytes), and each read alone would be in time.
    [Fact]
    public async Task ServerFacts_GiveUpAtTheTimeout_OnAnAnswerThatTrickles()
    {
        await using var server = new ScriptedRedis(Encoding.ASCII.GetBytes("$37\r\n# Server\r\nconfigured_hz:10\r\nhz:10\r\nxx\r\n"), byteDelay: TimeSpan.FromMilliseconds(50));
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());
        Assert.NotNull(ping.Ping(_timeout).RoundTrip);

        var asked = Stopwatch.StartNew();
        var (facts, answered, problem) = ping.ServerFacts(TimeSpan.FromMilliseconds(300));
        asked.Stop();

        Assert.Equal((null, false, "no answer within 300 ms"), (facts, answered, problem));
        Assert.True(asked.Elapsed < TimeSpan.FromSeconds(1.2), $"held the probe for {asked.Elapsed}");
        Assert.NotNull(ping.Ping(_timeout).RoundTrip); // a new connection: no stale bytes
    }

    // The probe's own question under the same rule: an answer that trickles is no answer in time.
    [Fact]
    public async Task Ping_GivesUpAtTheTimeout_OnAnAnswerThatTrickles()
    {
        await using var server = new ScriptedRedis([], byteDelay: TimeSpan.FromMilliseconds(50), trickleEval: true);
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());

        var asked = Stopwatch.StartNew();
        var (roundTrip, problem) = ping.Ping(TimeSpan.FromMilliseconds(60)); // ":1\r\n" at 50 ms a byte takes 200 ms
        asked.Stop();

        Assert.Null(roundTrip);
        Assert.EndsWith("did not answer within 60 ms", problem, StringComparison.Ordinal);
        Assert.True(asked.Elapsed < TimeSpan.FromSeconds(1), $"held the probe for {asked.Elapsed}");
    }

    // A new connection to a Redis that answers late (here a pause holds every client for a second, as a busy Redis would
    // answer late): AUTH and the first exchange are late too. Without the allowance for a connection the probe could not
    // connect again until Redis answered in time; with it, it does.
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task NewConnection_ToALateRedisWithAuth_GetsTheConnectingAllowance(bool allowed)
    {
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: ["--requirepass", "probe-test"]);
        await using var admin = await ConnectionMultiplexer.ConnectAsync($"{redis.Configuration},password=probe-test,allowAdmin=true");
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse($"{redis.Configuration},password=probe-test"));

        await admin.GetDatabase().ExecuteAsync("CLIENT", "PAUSE", "1000", "ALL"); // in force when its OK comes back
        var (roundTrip, problem) = ping.Ping(TimeSpan.FromMilliseconds(20),
            new RedisPing.Patience(allowed ? TimeSpan.FromSeconds(5) : TimeSpan.Zero, () => TimeSpan.Zero));

        if (allowed)
        {
            Assert.True(roundTrip is not null, problem);
        }
        else
        {
            Assert.Null(roundTrip);
            Assert.EndsWith("did not answer within 20 ms", problem, StringComparison.Ordinal);
        }
    }

    // What a server answers reaches the log and /readyz: a hostile or broken one cannot forge a log line (a bare line feed)
    // or send a terminal's escape sequences through it.
    [Fact]
    public async Task Ping_AnAnswerWithControlCharacters_ComesBackAsPrintableText()
    {
        await using var server = new ScriptedRedis([], TimeSpan.Zero, evalAnswer: "+\e[2J\e[31mred\n[20:00:00 INF] The store answers again\u00e9\r\n"u8.ToArray());
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());

        var (roundTrip, problem) = ping.Ping(_timeout);

        Assert.Null(roundTrip);
        Assert.Equal($"{server.EndPoint}: answered \"+?[2J?[31mred?[20:00:00 INF] The store answers again??\" to EVAL \"return 1\" 0", problem);
    }

    // Of an error Redis answers, its code alone: the text may name the user ("-NOPERM User … has no permissions …").
    [Fact]
    public async Task Ping_AnErrorAnswer_IsNamedByItsCodeAlone()
    {
        await using var server = new ScriptedRedis([], TimeSpan.Zero, evalAnswer: "-NOPERM User gateway-user has no permissions to run the 'eval' command\r\n"u8.ToArray());
        using var ping = new RedisPing(server.EndPoint, new ConfigurationOptions());

        var (roundTrip, problem) = ping.Ping(_timeout);

        Assert.Null(roundTrip);
        Assert.Equal($"{server.EndPoint}: answered NOPERM to EVAL \"return 1\" 0", problem);
    }

    // StackExchange.Redis connects to a Redis without a password when it is given one (Redis answers AUTH with an error):
    // the probe must too, or it would keep every verdict stateless while the store works.
    [Fact]
    public async Task Auth_ToARedisWithoutAPassword_StillAnswers()
    {
        await using var redis = await RedisServer.StartAsync(local: true);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse($"{redis.Configuration},password=not-needed"));

        var (roundTrip, problem) = ping.Ping(_timeout);

        Assert.True(roundTrip is not null, problem);
    }

    // The probe runs on a thread of its own, where an exception would end the process: a host name DNS will not look up
    // (longer than 255 characters) is a problem like any other. Nothing leaves the machine: the name is refused before a lookup.
    [Fact]
    public void Ping_AHostNameTooLongToLookUp_IsAProblem_NotAnException()
    {
        using var ping = new RedisPing(new DnsEndPoint(new string('a', 300), 6379), new ConfigurationOptions());

        var (roundTrip, problem) = ping.Ping(_timeout);

        Assert.Null(roundTrip);
        Assert.StartsWith($"{new string('a', 300)}:6379: ", problem, StringComparison.Ordinal);
    }

    // A Redis that refuses the password says so by its error's code alone: a server may echo the command's arguments (here
    // AUTH renamed away: "-ERR unknown command 'AUTH', with args beginning with: '<the password>'"), and the problem
    // reaches the log and /readyz.
    [Theory]
    [InlineData(false, "WRONGPASS")]
    [InlineData(true, "ERR")]
    public async Task Auth_Refused_NamesTheErrorsCode_NeverWhatTheServerEchoed(bool authRenamed, string code)
    {
        string[] args = authRenamed ? ["--requirepass", "the-right-one", "--rename-command", "AUTH", ""] : ["--requirepass", "the-right-one"];
        await using var redis = await RedisServer.StartAsync(local: true, extraArgs: args);
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, redis.Port), ConfigurationOptions.Parse($"{redis.Configuration},password=S3cret-probe"));

        var (roundTrip, problem) = ping.Ping(_timeout);

        Assert.Null(roundTrip);
        Assert.Equal($"127.0.0.1:{redis.Port}: answered {code} to AUTH", problem);
    }

    // A port nothing listens on refuses at once: that is not a Redis that answered late.
    [Fact]
    public void Ping_AClosedPort_SaysItRefused()
    {
        using var ping = new RedisPing(new IPEndPoint(IPAddress.Loopback, RedisServer.FreeLoopbackPort()), new ConfigurationOptions());

        var (roundTrip, problem) = ping.Ping(_timeout);

        Assert.Null(roundTrip);
        Assert.Contains("refused", problem, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// A loopback server speaking just enough RESP for the probe: ":1" to every EVAL (or <c>evalAnswer</c>), the given bytes to INFO; with a
    /// <c>byteDelay</c>, INFO's answer (or with <c>trickleEval</c> EVAL's) goes one byte at a time, that far apart.
    /// </summary>
    private sealed class ScriptedRedis : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly Task _serving;

        private readonly byte[] _evalAnswer;

        public ScriptedRedis(byte[] infoAnswer, TimeSpan byteDelay, bool trickleEval = false, byte[]? evalAnswer = null)
        {
            _evalAnswer = evalAnswer ?? ":1\r\n"u8.ToArray();
            _listener.Start();
            _serving = ServeAsync(infoAnswer, byteDelay, trickleEval);
        }

        public IPEndPoint EndPoint => (IPEndPoint)_listener.LocalEndpoint;

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            _listener.Stop();
            await _serving.ContinueWith(_ => { }, TaskScheduler.Default); // stopped, however it ended
            _stop.Dispose();
        }

        private async Task ServeAsync(byte[] infoAnswer, TimeSpan byteDelay, bool trickleEval)
        {
            var connections = new List<Task>();
            try
            {
                while (!_stop.IsCancellationRequested)
                {
                    var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    connections.Add(AnswerAsync(client, infoAnswer, byteDelay, trickleEval));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }

            await Task.WhenAll(connections).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        private async Task AnswerAsync(TcpClient client, byte[] infoAnswer, TimeSpan byteDelay, bool trickleEval)
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

                    var info = parts[0] == "INFO";
                    var answer = info ? infoAnswer : _evalAnswer;
                    if (byteDelay == TimeSpan.Zero || info == trickleEval)
                    {
                        await stream.WriteAsync(answer, _stop.Token);
                        continue;
                    }

                    foreach (var b in answer)
                    {
                        await stream.WriteAsync(new[] { b }, _stop.Token);
                        await Task.Delay(byteDelay, _stop.Token); // the trickle is the behaviour under test
                    }
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
