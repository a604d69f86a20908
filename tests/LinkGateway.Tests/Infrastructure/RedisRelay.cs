using System.Net;
using System.Net.Sockets;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A loopback TCP relay between the gateway and Redis: it counts round trips, and can hold back Redis's answers to the
/// commands that name a text (<see cref="HoldAnswers"/>): a Redis that answers the store probe in time and INFO late, or
/// the probe late and requests at once, which no real one does on demand. It holds every connection's answers to such a
/// command, also those to the INFO StackExchange.Redis sends while it connects.
/// <para>
/// Round trips: A round trip starts when the client
/// sends a command while it waits for no reply: commands pipelined together are one round trip even when TCP delivers
/// them in pieces and Redis answers the first before the last arrives; a command sent only after the previous replies
/// came back is another. Both directions are read as RESP to know what is outstanding. One case still reads as
/// two: the multiplexer writes a batch in two pieces and Redis answers the first before the second arrives, so
/// counts allow a few such splits (a real second round trip per request would double them).
/// Only round trips that carry a script call (EVAL/EVALSHA) are counted, so that the multiplexer's own heartbeats,
/// which come on their own schedule, do not blur a per-request count.
/// </para>
/// </summary>
public sealed class RedisRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private long _scriptRoundTrips;

    public RedisRelay(string redisConfiguration)
    {
        var colon = redisConfiguration.LastIndexOf(':');
        _target = new IPEndPoint(IPAddress.Parse(redisConfiguration[..colon]), int.Parse(redisConfiguration[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        _listener.Start();
        _pumps.Add(AcceptAsync());
    }

    /// <summary>host:port of the relay, for the gateway's Redis configuration.</summary>
    public string Configuration => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    private volatile Hold _hold = new([], TimeSpan.Zero);

    /// <summary>From now on, answers to commands that name <paramref name="naming"/> wait <paramref name="delay"/> in the relay before they go on.</summary>
    public void HoldAnswers(string naming, TimeSpan delay) => _hold = new Hold(System.Text.Encoding.ASCII.GetBytes(naming), delay);

    /// <summary>Round trips that carry at least one script call.</summary>
    public long ScriptRoundTrips => Interlocked.Read(ref _scriptRoundTrips);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await Task.WhenAll(_pumps.Select(p => p.ContinueWith(_ => { }, TaskScheduler.Default)));
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new TcpClient();
            await server.ConnectAsync(_target, _stop.Token);
            var conversation = new Conversation(this);
            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, conversation.ClientSent, () => false));
                _pumps.Add(PumpAsync(server, client, conversation.ServerSent, conversation.TakeHeldAsked));
            }
        }
    }

    /// <param name="hold">Asked before bytes go on: true holds them back (<see cref="HoldAnswers"/>).</param>
    private async Task PumpAsync(TcpClient from, TcpClient to, Action<ReadOnlyMemory<byte>> observe, Func<bool> hold)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            var input = from.GetStream();
            var output = to.GetStream();
            while (true)
            {
                var read = await input.ReadAsync(buffer, _stop.Token);
                if (read == 0)
                {
                    break;
                }

                // Observed before it is passed on, so a reply can never be counted ahead of its command.
                observe(buffer.AsMemory(0, read));
                if (_hold.Delay > TimeSpan.Zero && hold())
                {
                    await Task.Delay(_hold.Delay, _stop.Token);
                }

                await output.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
        {
        }
        finally
        {
            from.Dispose();
            to.Dispose();
        }
    }

    /// <summary>One client connection: commands started by the client against replies completed by the server.</summary>
    private sealed class Conversation(RedisRelay relay)
    {
        private readonly Lock _gate = new();
        private readonly RespReader _commands = new();
        private readonly RespReader _replies = new();
        private bool _scriptInRoundTrip;
        private bool _heldAsked;

        /// <summary>Whether the client named the held text since the last time this was asked.</summary>
        public bool TakeHeldAsked()
        {
            lock (_gate)
            {
                var asked = _heldAsked;
                _heldAsked = false;
                return asked;
            }
        }

        public void ClientSent(ReadOnlyMemory<byte> bytes)
        {
            lock (_gate)
            {
                foreach (var b in bytes.Span)
                {
                    if (_commands.Started == _replies.Completed && _commands.AtTopLevel)
                    {
                        // A command sent while nothing is outstanding begins a new round trip.
                        _scriptInRoundTrip &= !_commands.Feed(b);
                        continue;
                    }

                    _commands.Feed(b);
                }

                _heldAsked |= relay._hold.Naming is { Length: > 0 } naming && bytes.Span.IndexOf(naming) >= 0;
                if (!_scriptInRoundTrip && bytes.Span.IndexOf("EVAL"u8) >= 0)
                {
                    _scriptInRoundTrip = true;
                    Interlocked.Increment(ref relay._scriptRoundTrips);
                }
            }
        }

        public void ServerSent(ReadOnlyMemory<byte> bytes)
        {
            lock (_gate)
            {
                foreach (var b in bytes.Span)
                {
                    _replies.Feed(b);
                }
            }
        }
    }

    private sealed record Hold(byte[] Naming, TimeSpan Delay);

    /// <summary>
    /// Follows a RESP2/RESP3 byte stream one byte at a time and counts its top-level values: started (first byte
    /// seen) and completed (last byte seen). Out-of-band pushes (RESP3 '>') answer no command and are not counted.
    /// Enough for the commands a client sends and the replies Redis returns (the multiplexer speaks RESP3 by HELLO).
    /// </summary>
    private sealed class RespReader
    {
        private readonly Stack<long> _open = new(); // elements still due in each aggregate being read
        private State _state = State.Type;
        private bool _push;
        private byte _type;
        private long _number;
        private bool _negative;
        private long _bulkLeft;

        private enum State { Type, Line, Bulk }

        public long Started { get; private set; }

        public long Completed { get; private set; }

        public bool AtTopLevel => _state == State.Type && _open.Count == 0;

        /// <summary>Reads one byte; true when it starts a new top-level value.</summary>
        public bool Feed(byte b)
        {
            switch (_state)
            {
                case State.Type:
                    var starts = _open.Count == 0;
                    if (starts)
                    {
                        _push = b == '>';
                        Started += _push ? 0 : 1;
                    }

                    (_type, _number, _negative, _state) = (b, 0, false, State.Line);
                    return starts;
                case State.Line when b == '\n':
                    EndLine(_negative ? -_number : _number);
                    return false;
                case State.Line:
                    if (b == '-')
                    {
                        _negative = true;
                    }
                    else if (b is >= (byte)'0' and <= (byte)'9')
                    {
                        _number = (_number * 10) + (b - '0');
                    }

                    return false;
                default:
                    if (--_bulkLeft == 0)
                    {
                        _state = State.Type;
                        ValueDone();
                    }

                    return false;
            }
        }

        private void EndLine(long number)
        {
            _state = State.Type;
            switch (_type)
            {
                case (byte)'$' or (byte)'=' or (byte)'!' when number >= 0: // blob string, verbatim string, blob error
                    (_state, _bulkLeft) = (State.Bulk, number + 2);
                    break;
                case (byte)'*' or (byte)'~' or (byte)'>' when number > 0: // array, set, push
                    _open.Push(number);
                    break;
                case (byte)'%' when number > 0: // map: a key and a value per entry
                    _open.Push(2 * number);
                    break;
                default:
                    ValueDone();
                    break;
            }
        }

        private void ValueDone()
        {
            while (_open.Count > 0)
            {
                var left = _open.Pop() - 1;
                if (left > 0)
                {
                    _open.Push(left);
                    return;
                }
            }

            Completed += _push ? 0 : 1;
        }
    }
}
