using System.Net.Http.Headers;
using LinkGateway.Admin;

namespace LinkGateway.Infrastructure;

/// <summary>The admin port of a test gateway on loopback port 0, with a client that sends the token and one that does not.</summary>
public sealed class AdminEndpoint : IAsyncDisposable
{
    public const string Token = "an-admin-token-of-at-least-32-characters";

    private readonly WebApplication _app;

    private AdminEndpoint(WebApplication app)
    {
        _app = app;
        Address = new Uri(app.Urls.First());
        Client = new HttpClient { BaseAddress = Address };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Anonymous = new HttpClient { BaseAddress = Address };
    }

    public Uri Address { get; }

    /// <summary>Sends the admin token with every request.</summary>
    public HttpClient Client { get; }

    /// <summary>Sends no Authorization header unless a request carries one.</summary>
    public HttpClient Anonymous { get; }

    public static async Task<AdminEndpoint> StartAsync(GatewayHost gateway)
    {
        var app = AdminApp.Build(gateway.Services, new AdminOptions { Urls = "http://127.0.0.1:0", Token = Token });
        await app.StartAsync();
        return new AdminEndpoint(app);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Anonymous.Dispose();
        await _app.DisposeAsync();
    }
}
