using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using LinkGateway.DemoOrigin;
using LinkGateway.Infrastructure;

namespace LinkGateway.Adversarial;

/// <summary>
/// What an attacker meets: the gateway as its own process (the program's real entry point and shipped configuration),
/// a real Redis, and the demo origin recording everything that reaches it. The shield's dwell time is 1 s, so the few
/// tests that must wait like a person wait 1 s.
/// </summary>
public sealed class HostileClientFixture : IAsyncLifetime
{
    public const string AdminToken = "an-admin-token-of-at-least-32-characters";
    public static readonly TimeSpan MinDwell = TimeSpan.FromSeconds(1);

    private RedisServer _redis = null!;
    private WebApplication _origin = null!;
    private RunningGateway _gateway = null!;

    public Uri Address { get; private set; } = null!;

    /// <summary>A client that does not follow redirects or keep cookies: every request is as the test wrote it.</summary>
    public HttpClient Client { get; private set; } = null!;

    /// <summary>The admin port, with the token.</summary>
    public HttpClient Admin { get; private set; } = null!;

    public IReadOnlyList<OriginEvent> Ledger => _origin.Services.GetRequiredService<OriginLedger>().Events;

    /// <summary>host:port of the gateway's Redis, to look at what it keeps.</summary>
    public string Redis => _redis.Configuration;

    public async Task InitializeAsync()
    {
        var key = RandomNumberGenerator.GetBytes(32);
        _redis = await RedisServer.StartAsync(local: true);
        _origin = DemoOriginApp.Create(["--urls", "http://127.0.0.1:0"], key);
        await _origin.StartAsync();
        Address = new Uri($"http://127.0.0.1:{RedisServer.FreeLoopbackPort()}");
        var admin = new Uri($"http://127.0.0.1:{RedisServer.FreeLoopbackPort()}");
        _gateway = await GatewayProcess.StartAsync([new Uri(Address, "/healthz"), new Uri(admin, "/admin/version")],
            "--urls", Address.ToString(),
            $"--LinkGateway:Redis:Configuration={_redis.Configuration}",
            $"--LinkGateway:Signing:Key={Convert.ToBase64String(key)}",
            $"--ReverseProxy:Clusters:origin:Destinations:primary:Address={_origin.Urls.First()}",
            $"--LinkGateway:Admin:Urls={admin}",
            $"--LinkGateway:Admin:Token={AdminToken}",
            $"--LinkGateway:Shield:MinDwell=00:00:0{MinDwell.TotalSeconds}",
            "--Serilog:MinimumLevel:Default=Warning");
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Address };
        Admin = new HttpClient { BaseAddress = admin };
        Admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        // Warm and with its store: the tests look at what requests leave in Redis, which a verdict made while the store was not
        // yet answering (a loaded machine at the start of a run) does not (a clean-clone run of 2026-11-29 found no tag).
        await ReadyzAnswer.WaitAsync(Client, r => r.Code == HttpStatusCode.OK && r.Status == "healthy", "healthy");
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        await _gateway.DisposeAsync();
        await _origin.DisposeAsync();
        await _redis.DisposeAsync();
    }
}
