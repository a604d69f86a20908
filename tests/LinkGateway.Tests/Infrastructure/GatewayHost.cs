using System.Security.Cryptography;
using LinkGateway.DemoOrigin;
using LinkGateway.Hosting;
using Serilog.Core;

namespace LinkGateway.Infrastructure;

/// <summary>
/// A real gateway on Kestrel, loopback port 0, in front of a real demo origin, with the repository's
/// shipped configuration plus the given overrides.
/// </summary>
public sealed class GatewayHost : IAsyncDisposable
{
    private readonly WebApplication _gateway;
    private readonly WebApplication _origin;
    private readonly string _keyRing;
    private int _disposed;

    private GatewayHost(WebApplication gateway, WebApplication origin, byte[] signingKey, CapturingSink log, string keyRing)
    {
        _gateway = gateway;
        _origin = origin;
        _keyRing = keyRing;
        SigningKey = signingKey;
        Log = log;
        Address = new Uri(gateway.Urls.First());
        Client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = Address };
    }

    public Uri Address { get; }

    /// <summary>Every address the gateway listens on (several when Kestrel:Endpoints names them).</summary>
    public IEnumerable<Uri> Urls => _gateway.Urls.Select(u => new Uri(u));

    /// <summary>A client that does not follow redirects, so tests see what the gateway answered.</summary>
    public HttpClient Client { get; }

    public byte[] SigningKey { get; }

    /// <summary>This node's own copy of the key ring (LinkGateway:Shield:KeyRingPath).</summary>
    public string KeyRingFolder => _keyRing;

    public CapturingSink Log { get; }

    public OriginLedger Ledger => _origin.Services.GetRequiredService<OriginLedger>();

    public IServiceProvider Services => _gateway.Services;

    public Memory.IGatewayMemory Memory => Services.GetRequiredService<Memory.IGatewayMemory>();

    /// <param name="redis">A Redis configuration string, or null for the in-process store.</param>
    /// <param name="keyPrefix">Key namespace; gateways that share state share the prefix.</param>
    /// <param name="settings">Further configuration keys.</param>
    /// <param name="signingKey">The key; a fresh one when null.</param>
    /// <param name="time">The gateway's clock (a FakeTimeProvider lets behaviour tests move time); the system clock when null.</param>
    /// <param name="configFile">The configuration file; the repository's when null.</param>
    /// <param name="waitUntilWarm">Return once the gateway is ready (warm-up done); false when its store is meant to be away.</param>
    public static async Task<GatewayHost> StartAsync(string? redis = null, string? keyPrefix = null,
        IReadOnlyDictionary<string, string?>? settings = null, byte[]? signingKey = null, TimeProvider? time = null, string? configFile = null,
        bool waitUntilWarm = true)
    {
        // Each node keeps its own copy of the key ring, as separate machines would.
        var keyRing = Directory.CreateTempSubdirectory("lg-keys-").FullName;
        signingKey ??= RandomNumberGenerator.GetBytes(32);
        var origin = DemoOriginApp.Create(["--urls", "http://127.0.0.1:0"], signingKey);
        await origin.StartAsync();

        var overrides = new Dictionary<string, string?>
        {
            ["ReverseProxy:Clusters:origin:Destinations:primary:Address"] = origin.Urls.First(),
            ["LinkGateway:Signing:Key"] = Convert.ToBase64String(signingKey),
            ["LinkGateway:Redis:Configuration"] = redis ?? string.Empty,
            ["LinkGateway:Redis:KeyPrefix"] = keyPrefix ?? $"lg:test-{Guid.NewGuid():N}:",
            // Loopback Redis answers in well under a millisecond; a roomy budget keeps slow CI machines from
            // turning a busy moment into a degraded verdict. Degraded-mode tests set their own.
            ["LinkGateway:Redis:Budget"] = "00:00:02",
            ["LinkGateway:Redis:MaxWait"] = "00:00:02",
            ["LinkGateway:Shield:KeyRingPath"] = keyRing,
            ["Serilog:MinimumLevel:Default"] = "Information",
            ["Serilog:WriteTo:0:Name"] = "Console",
            ["Serilog:WriteTo:0:Args:restrictedToMinimumLevel"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            overrides[key] = value;
        }

        var log = new CapturingSink();
        var launch = new GatewayLaunch(Demo: false, configFile ?? RepoFiles.ConfigFile, ["--urls", "http://127.0.0.1:0"]);
        var gateway = GatewayApp.Build(launch, overrides, builder =>
        {
            builder.Services.AddSingleton<ILogEventSink>(log);
            if (time is not null)
            {
                builder.Services.AddSingleton(time); // the last registration wins
            }
        });
        await gateway.StartAsync();
        if (waitUntilWarm)
        {
            await gateway.Services.GetRequiredService<GatewayWarmUp>().Warm.WaitAsync(TimeSpan.FromSeconds(30));
        }

        return new GatewayHost(gateway, origin, signingKey, log, keyRing);
    }

    // A test may stop a node itself (to see what stopping does) before its own disposal does it again.
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        Client.Dispose();
        await _gateway.DisposeAsync();
        await _origin.DisposeAsync();
        Directory.Delete(_keyRing, recursive: true);
    }
}
