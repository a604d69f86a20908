using System.Collections.Concurrent;
using LinkGateway.FoldBackHooks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace LinkGateway.Infrastructure;

/// <summary>One POST the receiver got, and the status it answered.</summary>
public sealed record ReceivedHook(string PathAndQuery, string? IdempotencyKey, string? Timestamp, string? Signature, byte[] Body, int Answered, DateTimeOffset ArrivedAt);

/// <summary>
/// A fold-back webhook receiver: a real Kestrel on a fixed loopback port, so that it can go away (connection refused)
/// and come back at the same URL. It answers every POST with <see cref="Status"/> and records it.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    public const string Path = "/hooks/foldback?source=linkgateway";

    private readonly int _port = RedisServer.FreeLoopbackPort();
    private readonly ConcurrentQueue<ReceivedHook> _received = new();
    private WebApplication? _app;
    private readonly ChangeSignal _arrived = new();

    public string Url => $"http://127.0.0.1:{_port}{Path}";

    /// <summary>What the next POST is answered with.</summary>
    public int Status { get; set; } = StatusCodes.Status200OK;

    /// <summary>How long each POST waits, once read and recorded, before it is answered (a receiver that is slow or hangs).</summary>
    public TimeSpan AnswerDelay { get; set; } = TimeSpan.Zero;

    public IReadOnlyList<ReceivedHook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(int status)
    {
        var receiver = new WebhookReceiver { Status = status };
        await receiver.UpAsync();
        return receiver;
    }

    /// <summary>Listens again on the same port.</summary>
    public async Task UpAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", $"http://127.0.0.1:{_port}"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        app.MapPost("/hooks/foldback", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            var status = Status;
            var headers = context.Request.Headers;
            _received.Enqueue(new ReceivedHook(context.Request.Path + context.Request.QueryString, headers[FoldBackWebhookMessage.IdempotencyKeyHeader],
                headers["X-Bot-Timestamp"], headers["X-Bot-Signature"], body.ToArray(), status, DateTimeOffset.UtcNow));
            _arrived.Changed();
            await Task.Delay(AnswerDelay, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default); // the sender may give up first
            return Results.StatusCode(status);
        });
        await app.StartAsync();
        _app = app;
    }

    /// <summary>Stops listening: POSTs find the connection refused.</summary>
    public async Task DownAsync()
    {
        if (_app is { } app)
        {
            _app = null;
            await app.DisposeAsync();
        }
    }

    /// <summary>Waits until what was received satisfies <paramref name="done"/>; each POST is the signal to look again.</summary>
    public async Task WaitUntilAsync(Func<IReadOnlyList<ReceivedHook>, bool> done, TimeSpan? timeout = null)
    {
        try
        {
            await _arrived.WaitForAsync(() => Received is var received && done(received) ? received : null, timeout ?? TimeSpan.FromSeconds(30));
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the receiver's condition was not met within the timeout; received {Received.Count} POSTs");
        }
    }

    public async ValueTask DisposeAsync() => await DownAsync();
}
