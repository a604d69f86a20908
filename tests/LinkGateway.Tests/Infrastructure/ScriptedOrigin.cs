using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Http;
namespace LinkGateway.Infrastructure;

/// <summary>
/// A real origin on Kestrel (loopback, port 0) whose every answer the test writes: a redirect to another site, an error,
/// what the demo origin never answers.
/// </summary>
public sealed class ScriptedOrigin : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedOrigin(WebApplication app) => _app = app;

    public string Address => _app.Urls.First();

    /// <summary>How many requests reached it.</summary>
    public int Requests => _requests;

    private int _requests;

    public static async Task<ScriptedOrigin> StartAsync(Func<HttpContext, Task> answer)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", "http://127.0.0.1:0"]);
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var origin = new ScriptedOrigin(app);
        app.Run(context =>
        {
            Interlocked.Increment(ref origin._requests);
            return answer(context);
        });
        await app.StartAsync();
        return origin;
    }

    /// <summary>The gateway setting that sends the shipped configuration's routes here.</summary>
    public KeyValuePair<string, string?> AsClusterSetting() => new("ReverseProxy:Clusters:origin:Destinations:primary:Address", Address);

    public ValueTask DisposeAsync() => _app.DisposeAsync();
}
