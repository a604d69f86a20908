using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using LinkGateway.Infrastructure;
using Serilog.Events;

namespace LinkGateway.Forwarding;

/// <summary>
/// A client that leaves in the middle of a forward (a reset while the origin thinks, or with most of its body still to
/// come) is no failure of the gateway's nor of the origin's, and any client can do it at will: the request log says 499
/// (or 400 for a body cut short), and nothing writes a warning or a stack trace for it. The origin here holds every
/// request until it is cancelled, so the client leaves while the forward is under way.
/// </summary>
public sealed class ClientsThatLeaveTests : IAsyncLifetime
{
    private readonly Channel<string> _reached = Channel.CreateUnbounded<string>();
    private ScriptedOrigin _origin = null!;
    private GatewayHost _host = null!;

    public async Task InitializeAsync()
    {
        _origin = await ScriptedOrigin.StartAsync(async context =>
        {
            _reached.Writer.TryWrite(context.Request.Path);
            await Task.Delay(Timeout.Infinite, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
        });
        _host = await GatewayHost.StartAsync(settings: new Dictionary<string, string?>([_origin.AsClusterSetting()]));
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _origin.DisposeAsync();
    }

    /// <summary>
    /// Mid-body, what YARP meets first depends on timing: the body cut short (which it warned about with a stack trace) or
    /// the request cancelled (which it did not), so ten clients leave.
    /// </summary>
    [Theory]
    [InlineData("GET", "c", 0)] // while the origin thinks
    [InlineData("POST", "c", 100_000)] // mid-body
    [InlineData("POST", "o", 100_000)]
    public async Task ClientsThatLeaveMidForward_AreLogged499_WithNoWarning(string method, string kind, int bodyLength)
    {
        for (var i = 0; i < 10; i++)
        {
            var path = kind == "c" ? $"/c/m-1/r-left-{Guid.NewGuid():N}/l-1" : $"/o/m-1/r-left-{Guid.NewGuid():N}";
            using (var socket = new TcpClient { LingerState = new LingerOption(true, 0) })
            {
                await socket.ConnectAsync(IPAddress.Loopback, _host.Address.Port);
                var stream = socket.GetStream();
                await stream.WriteAsync(Encoding.ASCII.GetBytes(
                    $"{method} {path} HTTP/1.1\r\nHost: localhost\r\nUser-Agent: {Clients.ChromeUserAgent}\r\nAccept: */*\r\n"
                    + $"X-Forwarded-For: {Clients.NextAddress()}\r\n"
                    + (bodyLength > 0 ? $"Content-Type: application/octet-stream\r\nContent-Length: {bodyLength}\r\n\r\n" : "\r\n")));
                await stream.WriteAsync(new byte[Math.Min(bodyLength, 1000)]);
                Assert.Equal(path, await _reached.Reader.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            } // reset, as a client that times out or is killed leaves

            var logged = await _host.Log.WaitForRequestAsync(path);
            Assert.Equal(LogEventLevel.Information, logged.Level);
            // Mid-body, Kestrel may see the body cut short before it sees the connection gone: the client's own bad request, 400.
            Assert.Contains(logged.Properties["StatusCode"].ToString(), bodyLength > 0 ? new[] { "499", "400" } : ["499"]);
        }

        Assert.DoesNotContain(_host.Log.Events, e => e.Exception is not null
            || (e.Level >= LogEventLevel.Warning && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString().StartsWith("\"Yarp", StringComparison.Ordinal)));
    }
}
