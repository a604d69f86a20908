using System.Net;
using System.Net.Sockets;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A loopback TCP relay between the gateway and Redis that counts round trips: a round trip is a burst
/// of bytes from the client that follows a reply from the server (or starts the conversation). Commands
/// pipelined together travel in one burst; a command sent only after the previous reply is another.
/// </summary>
public sealed class RoundTripCountingRelay : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _pumps = [];
    private long _roundTrips;

    public RoundTripCountingRelay(string redisConfiguration)
    {
        var colon = redisConfiguration.LastIndexOf(':');
        _target = new IPEndPoint(IPAddress.Parse(redisConfiguration[..colon]), int.Parse(redisConfiguration[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture));
        _listener.Start();
        _pumps.Add(AcceptAsync());
    }

    /// <summary>host:port of the relay, for the gateway's Redis configuration.</summary>
    public string Configuration => $"127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";

    public long RoundTrips => Interlocked.Read(ref _roundTrips);

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
            var conversation = new Conversation();
            lock (_pumps)
            {
                _pumps.Add(PumpAsync(client, server, conversation, fromClient: true));
                _pumps.Add(PumpAsync(server, client, conversation, fromClient: false));
            }
        }
    }

    private async Task PumpAsync(TcpClient from, TcpClient to, Conversation conversation, bool fromClient)
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

                if (fromClient && conversation.ClientSpeaks())
                {
                    Interlocked.Increment(ref _roundTrips);
                }
                else if (!fromClient)
                {
                    conversation.ServerSpeaks();
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

    private sealed class Conversation
    {
        private int _serverSpokeLast = 1;

        /// <summary>True when the client starts a new round trip (the server spoke since its last bytes).</summary>
        public bool ClientSpeaks() => Interlocked.Exchange(ref _serverSpokeLast, 0) == 1;

        public void ServerSpeaks() => Interlocked.Exchange(ref _serverSpokeLast, 1);
    }
}
