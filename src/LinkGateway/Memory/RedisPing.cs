using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using StackExchange.Redis;

namespace LinkGateway.Memory;

/// <summary>
/// The store probe's question to one Redis endpoint, on a socket of its own, with blocking calls only, on the probe's
/// own thread. It exists because StackExchange.Redis reads its sockets on the .NET thread pool: measured here, with the
/// pool saturated, a PING through the multiplexer waited 5 s for a Redis that answered at once. No timing taken through
/// the multiplexer can tell a slow Redis from a busy gateway; this one can. The question is the smallest script,
/// <c>EVAL "return 1" 0</c>, not PING: requests run scripts, and a Redis that answers PING while it holds scripts back
/// (<c>CLIENT PAUSE … WRITE</c>, a long script running) is a Redis that cannot answer requests. It speaks the least of RESP
/// that this needs (AUTH, EVAL, TLS when the configuration asks for it, and INFO for <see cref="ServerFacts"/>),
/// nothing else.
/// </summary>
internal sealed class RedisPing(EndPoint endpoint, ConfigurationOptions options) : IDisposable
{
    // The TLS settings as StackExchange.Redis's own handshake reads them (the host name for an endpoint a cluster announced
    // by address, protocols, and the certificates of its SERedis_* environment variables), so the probe trusts what the
    // gateway's connection trusts. StackExchange.Redis marks this view experimental (SER009): should it change, the build
    // says so here, and RedisTlsTests checks the handshake it makes.
#pragma warning disable SER009
    private readonly StackExchange.Redis.Configuration.TlsOptions _tls = new(options);
#pragma warning restore SER009

    private static readonly byte[] _question = "*3\r\n$4\r\nEVAL\r\n$8\r\nreturn 1\r\n$1\r\n0\r\n"u8.ToArray();
    // INFO with no section: its default sections (server and memory among them) on every Redis version; "INFO server
    // memory" would be refused by a Redis before 7.0.
    private static readonly byte[] _info = "*1\r\n$4\r\nINFO\r\n"u8.ToArray();
    // A script that may write (Redis 7's shebang without no-writes) and may run on a full Redis (allow-oom): a read-only
    // replica refuses it before it runs, whatever its user may see of INFO. It writes nothing.
    private static readonly byte[] _mayWrite = Command(["EVAL", "#!lua flags=allow-oom\nreturn 1", "0"]);

    // How often a wait for an answer looks whether the probe is stopping.
    private static readonly TimeSpan _stopLook = TimeSpan.FromMilliseconds(100);

    // INFO's default sections are 4–6 KB, but they hold a line per database and per kind of error Redis has answered, which
    // scripts can name freely: 3,000 kinds made 167 KB (2026-11-30). Past a megabyte an answer is not one to read.
    private const int MaxInfoLength = 1024 * 1024;

    private Socket? _socket;
    private Stream? _stream;

    // A new TLS connection on which the gateway presented no client certificate and had none to present (no SERedis_*
    // variable or callback names one), until its first exchange succeeds.
    private bool _newWithoutCertificate;

    public EndPoint EndPoint => endpoint;

    /// <summary>The question's round trip (the exchange alone, not a connection made for it), or why it did not come back in time.</summary>
    /// <param name="patience">How much longer than <paramref name="timeout"/> to wait for a busy Redis (null: not at all).</param>
    /// <param name="stopping">Ends a wait for the answer early (the probe stopping); the ping then reports no answer.</param>
    public (TimeSpan? RoundTrip, string? Problem) Ping(TimeSpan timeout, Patience? patience = null, CancellationToken stopping = default)
    {
        var waited = timeout;
        try
        {
            // A local: Dispose, on another thread at shutdown, may clear the field while this waits.
            var stream = _stream;
            if (stream is null)
            {
                // A new connection: its handshake, and the first exchange's cold code paths, are not Redis's answer time. A busy
                // Redis is late with all of them (TLS, AUTH and this exchange are answered by its one thread): they get what
                // the patience allows for a connection, and this exchange more if requests are answered meanwhile, or a probe
                // that failed once would not connect again until Redis idles.
                var connecting = patience?.Connecting is { } allowed && allowed > timeout ? allowed : timeout;
                waited = connecting;
                _stream = stream = Connect(connecting);
                var first = Stopwatch.GetTimestamp();
                Ask(stream, connecting, patience is null ? null : More, stopping);
                _newWithoutCertificate = false;
                if (Stopwatch.GetElapsedTime(first) is var late && late > timeout)
                {
                    // Late, so no cold path: Redis's own time. A second question would have to wait for a busy Redis again,
                    // with what is left of the round's patience.
                    return (late, null);
                }

                waited = timeout;
            }

            var started = Stopwatch.GetTimestamp();
            Ask(stream, timeout, patience is null ? null : More, stopping);
            return (Stopwatch.GetElapsedTime(started), null);
        }
        catch (Exception e) when (TimedOut(e))
        {
            Close(); // a reply that may still arrive must not be read as the next question's
            return (null, $"{Format(endpoint)} did not answer within {waited.TotalMilliseconds:0} ms");
        }
        // Anything else that goes wrong is the probe's answer too, never the end of its thread (an exception there ends the
        // process: a host name too long for DNS threw ArgumentOutOfRangeException). A failed handshake says why inside.
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // With TLS 1.3 a server that requires a client certificate checks it after the handshake has succeeded for the
            // client, and then closes the connection: the client sees only a reset or an end on its first write or read. So
            // does a TLS proxy whose Redis is away, which the client cannot tell apart: the hint names both, and only when
            // the gateway had no certificate to give.
            var why = e switch
            {
                System.Security.Authentication.AuthenticationException { InnerException.Message: { } inner } => $" ({inner})",
                IOException when _newWithoutCertificate => " (right after the TLS handshake: a Redis that asks for a client certificate does that " +
                    "when given none, and StackExchange.Redis gives the one SERedis_ClientCertPfxPath names; so does a TLS proxy whose Redis is away)",
                _ => string.Empty,
            };
            Close();
            return (null, $"{Format(endpoint)}: {e.Message}{why}");
        }

        TimeSpan More()
        {
            var more = patience.More();
            waited += more > TimeSpan.Zero ? more : TimeSpan.Zero;
            return more;
        }
    }

    /// <summary>
    /// What the server says of itself that the gateway acts on (<see cref="RedisServerFacts"/>), asked on the probe's
    /// connection after a successful <see cref="Ping"/>: StackExchange.Redis sends INFO only in admin mode.
    /// <c>Answered</c> is false when no whole answer came back within <paramref name="timeout"/>, or Redis was loading or
    /// busy (worth asking again); an answer that says nothing usable (INFO renamed or refused) is an answer, and
    /// <c>Problem</c> says why there are no facts.
    /// </summary>
    public (RedisServerFacts? Facts, bool Answered, string? Problem) ServerFacts(TimeSpan timeout)
    {
        var stream = _stream;
        if (stream is null)
        {
            return (null, false, "no connection");
        }

        try
        {
            var (head, deadline) = Send(stream, _info, timeout);
            if (head.StartsWith("-LOADING", StringComparison.Ordinal) || head.StartsWith("-BUSY", StringComparison.Ordinal))
            {
                return (null, false, $"answered {ErrorCode(head)} to INFO"); // for now: worth asking again
            }

            if (head.StartsWith('-') || head == "$-1")
            {
                // Refused, renamed (unknown command), or not allowed to this user (whose name Redis's text may give): nothing
                // left to read.
                return (null, true, $"answered {(head == "$-1" ? "nothing" : ErrorCode(head))} to INFO");
            }

            var length = head is ['$', .. var size] && int.TryParse(size, out var bytes) ? bytes : -1;
            if (length is < 0 or > MaxInfoLength)
            {
                // Not the bulk string a RESP2 server sends, or one too long to read: what follows cannot be told from the
                // next answer.
                Close();
                return (null, true, length > MaxInfoLength ? $"an answer to INFO of {length} bytes, more than {MaxInfoLength}" : $"an answer to INFO that is not RESP2 text: {head}");
            }

            var text = new byte[length + 2]; // and its CRLF
            for (var read = 0; read < text.Length;)
            {
                stream.ReadTimeout = deadline.ReadTimeout();
                var got = stream.Read(text, read, text.Length - read);
                read += got > 0 ? got : throw new IOException("the connection closed");
            }

            var facts = RedisServerFacts.Read(Encoding.UTF8.GetString(text));
            return facts.Hz is null && facts.MaxMemory is null && !facts.IsReplica ? (null, true, "INFO names neither hz nor maxmemory") : (facts, true, null);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Close(); // the next Ping connects again, and reads no stale reply
            return (null, false, TimedOut(e) ? $"no answer within {timeout.TotalMilliseconds:0} ms" : e.Message);
        }
    }

    /// <summary>
    /// Whether the server refuses a script that may write because it is a read-only replica (READONLY), asked on the
    /// probe's connection after a successful <see cref="Ping"/> where INFO is refused to the gateway's user. Null when it
    /// cannot tell: no whole answer in time, or another answer (a Redis before 7.0 does not read a script's flags).
    /// </summary>
    public bool? RefusesWrites(TimeSpan timeout)
    {
        var stream = _stream;
        if (stream is null)
        {
            return null;
        }

        try
        {
            var (head, _) = Send(stream, _mayWrite, timeout);
            return head.StartsWith("-READONLY", StringComparison.Ordinal) ? true : head == ":1" ? false : null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Close(); // the next Ping connects again, and reads no stale reply
            return null;
        }
    }

    public void Dispose() => Close();

    private Stream Connect(TimeSpan timeout)
    {
        var (host, port) = endpoint switch
        {
            DnsEndPoint dns => (dns.Host, dns.Port),
            IPEndPoint ip => (ip.Address.ToString(), ip.Port),
            _ => throw new InvalidDataException($"unsupported endpoint {endpoint}"),
        };
        var address = endpoint is IPEndPoint direct ? direct.Address : Dns.GetHostAddresses(host).FirstOrDefault()
            ?? throw new SocketException((int)SocketError.HostNotFound);
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        _socket = socket;

        // A blocking connect has no timeout of its own: connect non-blocking and wait for writability instead.
        socket.Blocking = false;
        try
        {
            socket.Connect(address, port);
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.InProgress)
        {
        }

        if (!socket.Poll((int)Math.Max(1, timeout.TotalMicroseconds), SelectMode.SelectWrite))
        {
            throw new TimeoutException($"no connection within {timeout.TotalMilliseconds:0} ms");
        }

        // Writable also when the connection failed: then the socket holds why (a port closed is not a Redis that is late).
        if (socket.GetSocketOption(SocketOptionLevel.Socket, SocketOptionName.Error) is int error && error != 0)
        {
            throw new SocketException(error);
        }

        socket.Blocking = true;
        Stream stream = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = Milliseconds(timeout), WriteTimeout = Milliseconds(timeout) };
        if (_tls.IsEnabled)
        {
            var tls = new SslStream(stream, leaveInnerStreamOpen: false, _tls.CertificateValidationCallback, _tls.CertificateSelectionCallback);
            tls.AuthenticateAsClient(new SslClientAuthenticationOptions
            {
                TargetHost = _tls.ResolveHost(endpoint),
                EnabledSslProtocols = _tls.SslProtocols ?? System.Security.Authentication.SslProtocols.None,
                // No revocation check: StackExchange.Redis's own handshake accepts a private authority's certificate that names
                // no revocation list, and an online check here failed it (RedisTlsTests, 2026-11-29).
            });
            stream = tls;
            _newWithoutCertificate = tls.LocalCertificate is null && _tls.CertificateSelectionCallback is null;
        }

        if (!string.IsNullOrEmpty(options.Password))
        {
            stream.Write(Command(options.User is { Length: > 0 } user ? ["AUTH", user, options.Password] : ["AUTH", options.Password]));
            // A Redis without a password answers AUTH with an error, and StackExchange.Redis connects to it all the same.
            if (ReadLine(stream, After(timeout)) is var answer && answer != "+OK" && !NoPasswordSet(answer))
            {
                // The error's code alone: a server may echo the command's arguments ("-ERR unknown command 'AUTH', with args
                // beginning with: 'the password'"), and this text reaches the log and /readyz.
                throw new InvalidDataException($"answered {ErrorCode(answer)} to AUTH");
            }
        }

        return stream;
    }

    private void Ask(Stream stream, TimeSpan timeout, Func<TimeSpan>? patience = null, CancellationToken stopping = default)
    {
        if (Send(stream, _question, timeout, patience, stopping).Head is var reply && reply != ":1")
        {
            // An error's code alone: Redis's text may name the user ("-NOPERM User … has no permissions …").
            throw new InvalidDataException($"answered {(reply.StartsWith('-') ? ErrorCode(reply) : $"\"{reply}\"")} to EVAL \"return 1\" 0");
        }
    }

    /// <summary>
    /// Sends a command and reads the first line of its answer. The answer must begin within <paramref name="timeout"/>
    /// (or the more time <paramref name="patience"/> gives then); once begun, the rest is due by the same timeout.
    /// </summary>
    private (string Head, Deadline Deadline) Send(Stream stream, byte[] command, TimeSpan timeout, Func<TimeSpan>? patience = null,
        CancellationToken stopping = default)
    {
        var socket = _socket ?? throw new ObjectDisposedException(nameof(RedisPing));
        stream.WriteTimeout = Milliseconds(timeout);
        stream.Write(command);
        // Waiting on the socket, not in a read: a TLS stream whose read timed out cannot be read again. Nothing of an
        // earlier answer is left buffered in the stream (each is read to its end), so the socket says when this one begins.
        if (!Readable(socket, timeout, stopping) && !(patience?.Invoke() is { } more && more > TimeSpan.Zero && Readable(socket, more, stopping)))
        {
            throw new IOException("no answer in time", new SocketException((int)SocketError.TimedOut));
        }

        var deadline = After(timeout);
        return (ReadLine(stream, deadline), deadline);
    }

    /// <summary>Whether the socket has something to read within <paramref name="wait"/>, looking at the stop token at least every 100 ms.</summary>
    private static bool Readable(Socket socket, TimeSpan wait, CancellationToken stopping)
    {
        var until = Stopwatch.GetTimestamp() + (long)(wait.TotalSeconds * Stopwatch.Frequency);
        while (true)
        {
            stopping.ThrowIfCancellationRequested();
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), until);
            if (socket.Poll(left < _stopLook ? (left > TimeSpan.Zero ? left : TimeSpan.Zero) : _stopLook, SelectMode.SelectRead))
            {
                return true;
            }

            if (left <= _stopLook)
            {
                return false;
            }
        }
    }

    /// <summary>What a read past its deadline throws (a socket timeout, or <see cref="Deadline.ReadTimeout"/>'s).</summary>
    private static bool TimedOut(Exception e) => e is IOException { InnerException: SocketException { SocketErrorCode: SocketError.TimedOut } };

    private static byte[] Command(string[] parts)
    {
        var text = new StringBuilder($"*{parts.Length}\r\n");
        foreach (var part in parts)
        {
            text.Append($"${Encoding.UTF8.GetByteCount(part)}\r\n{part}\r\n");
        }

        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>
    /// One line of a reply (":1", "+OK", "-LOADING …", "$1234"), all of it by <paramref name="deadline"/>: a server that
    /// sends a byte at a time cannot hold the probe longer than that.
    /// </summary>
    private static string ReadLine(Stream stream, Deadline deadline)
    {
        Span<byte> line = stackalloc byte[256];
        var length = 0;
        while (true)
        {
            stream.ReadTimeout = deadline.ReadTimeout();
            var next = stream.ReadByte();
            if (next < 0)
            {
                throw new IOException("the connection closed");
            }

            if (next == '\n' && length > 0 && line[length - 1] == '\r')
            {
                // What a server wrote goes to the log and /readyz: no control character of its own (a line feed that forges a
                // log line, a terminal's escape sequences) and nothing beyond ASCII.
                var text = line[..(length - 1)];
                foreach (ref var b in text)
                {
                    b = b is < 0x20 or >= 0x7F ? (byte)'?' : b;
                }

                return Encoding.ASCII.GetString(text);
            }

            if (length == line.Length)
            {
                throw new InvalidDataException("a reply longer than the probe's");
            }

            line[length++] = (byte)next;
        }
    }

    // Redis 6 and later: "-ERR AUTH <password> called without any password configured for the default user…" (the words
    // "<password>" as written); before 6: "-ERR Client sent AUTH, but no password is set".
    private static bool NoPasswordSet(string answer) => answer.StartsWith("-ERR", StringComparison.Ordinal)
        && (answer.Contains("without any password configured", StringComparison.Ordinal) || answer.Contains("no password is set", StringComparison.Ordinal));

    /// <summary>An error reply's code ("WRONGPASS", "NOAUTH", "ERR"), or "an unexpected answer".</summary>
    private static string ErrorCode(string answer)
    {
        var code = answer.StartsWith('-') ? answer[1..].Split(' ')[0] : string.Empty;
        return code.Length is > 0 and <= 32 && code.All(char.IsAsciiLetterUpper) ? code : "an unexpected answer";
    }

    private static int Milliseconds(TimeSpan timeout) => (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 1, int.MaxValue);

    private static Deadline After(TimeSpan timeout)
    {
        var now = Stopwatch.GetTimestamp();
        var ticks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        return new Deadline(now + ticks, now + 2 * ticks);
    }

    /// <summary>
    /// When a reply must be whole. Past <see cref="Due"/> a reply already waiting in the socket is still read, a
    /// millisecond's wait at a time, until <see cref="Last"/> (twice the timeout): a probe thread that was late itself (a
    /// busy gateway) must measure Redis's answer as late, not as missing; a server that trickles cannot hold it longer.
    /// </summary>
    private readonly record struct Deadline(long Due, long Last)
    {
        /// <summary>The next read's timeout; past <see cref="Last"/>, what a socket read that timed out throws.</summary>
        public int ReadTimeout()
        {
            var now = Stopwatch.GetTimestamp();
            return now < Due ? Milliseconds(Stopwatch.GetElapsedTime(now, Due))
                : now < Last ? 1
                : throw new IOException("no whole answer in time", new SocketException((int)SocketError.TimedOut));
        }
    }

    /// <summary>How much longer than its budget the probe waits for a busy Redis (the probe decides what busy is).</summary>
    /// <param name="Connecting">How long a new connection may take: connect, TLS, AUTH and its first exchange together.</param>
    /// <param name="More">Asked once when the budget has passed before the answer began: how much longer to wait (zero: no longer).</param>
    public sealed record Patience(TimeSpan Connecting, Func<TimeSpan> More);

    /// <summary>An endpoint as "host:port" (a <see cref="DnsEndPoint"/>'s own text starts "Unspecified/").</summary>
    public static string Format(EndPoint endpoint) => endpoint is DnsEndPoint dns ? $"{dns.Host}:{dns.Port}" : endpoint.ToString() ?? "?";

    private void Close()
    {
        _newWithoutCertificate = false;
        _stream?.Dispose();
        _stream = null;
        _socket?.Dispose();
        _socket = null;
    }
}
