using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace LinkGateway.Infrastructure;

/// <summary>One request as it reached <see cref="RecordingOrigin"/>: the raw bytes of its request line and headers.</summary>
public sealed record RecordedRequest(byte[] Head)
{
    /// <summary>The head as Latin-1 text: one char per byte, so nothing is decoded or lost.</summary>
    public string Text => Encoding.Latin1.GetString(Head);

    public string RequestLine => Text[..Text.IndexOf("\r\n", StringComparison.Ordinal)];

    /// <summary>Every header line's name, as spelled on the wire.</summary>
    public IReadOnlyList<string> HeaderNames => [.. Lines.Select(l => l[..l.IndexOf(':', StringComparison.Ordinal)])];

    /// <summary>The raw bytes of each value of the header (names compared ignoring case).</summary>
    public IReadOnlyList<byte[]> Values(string name) =>
        [.. Lines.Where(l => l.StartsWith(name + ":", StringComparison.OrdinalIgnoreCase)).Select(l => Encoding.Latin1.GetBytes(l[(name.Length + 1)..].Trim()))];

    public string? Value(string name) => Values(name) is [var single] ? Encoding.UTF8.GetString(single) : null;

    private IEnumerable<string> Lines => Text.Split("\r\n").Skip(1).Where(l => l.Length > 0);
}

/// <summary>
/// An origin that records each request's head byte for byte, as it arrived (no HTTP server decodes anything first),
/// and answers 200 "ok". Keep-alive, as YARP uses it; bodies are read by Content-Length and dropped.
/// </summary>
public sealed class RecordingOrigin : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly ConcurrentQueue<RecordedRequest> _requests = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    public RecordingOrigin()
    {
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}");
        _accepting = AcceptAsync();
    }

    public Uri Address { get; }

    public IReadOnlyList<RecordedRequest> Requests => [.. _requests];

    /// <summary>The one request whose request line contains <paramref name="marker"/>.</summary>
    public RecordedRequest Single(string marker) => Assert.Single(Requests, r => r.RequestLine.Contains(marker, StringComparison.Ordinal));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting.ContinueWith(_ => { }, TaskScheduler.Default);
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var _ = client;
        var stream = client.GetStream();
        var buffer = new List<byte>();
        var chunk = new byte[8192];
        try
        {
            while (true)
            {
                int end;
                while ((end = IndexOfHeadEnd(buffer)) < 0)
                {
                    var read = await stream.ReadAsync(chunk, _stopping.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    buffer.AddRange(chunk.AsSpan(0, read));
                }

                var request = new RecordedRequest([.. buffer.GetRange(0, end)]);
                var length = request.Value("Content-Length") is { } text ? int.Parse(text, System.Globalization.CultureInfo.InvariantCulture) : 0;
                buffer.RemoveRange(0, end + 4);
                while (buffer.Count < length)
                {
                    var read = await stream.ReadAsync(chunk, _stopping.Token);
                    if (read == 0)
                    {
                        return;
                    }

                    buffer.AddRange(chunk.AsSpan(0, read));
                }

                buffer.RemoveRange(0, length);
                _requests.Enqueue(request); // recorded before the answer: a client that has its answer finds its request here
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"u8.ToArray(), _stopping.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException)
        {
            // the gateway closed the connection, or the test is over
        }
    }

    private static int IndexOfHeadEnd(List<byte> buffer)
    {
        for (var i = 0; i + 3 < buffer.Count; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
