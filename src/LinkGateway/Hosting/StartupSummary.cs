using System.Globalization;
using LinkGateway.Contracts;
using LinkGateway.Guard;

namespace LinkGateway.Hosting;

/// <summary>
/// The lines an operator reads first in a fresh node's log: what it is (version), where it answers (proxy and admin
/// addresses, never the admin token), what it remembers with (the store; Redis endpoints without the password or any
/// other option), how it acts (mode), and how old its signature data is.
/// </summary>
internal static partial class StartupSummary
{
    public static void Write(WebApplication gateway, WebApplication? admin)
    {
        var options = gateway.Services.GetRequiredService<LinkGatewayOptions>();
        var snapshot = gateway.Services.GetRequiredService<GuardSnapshotHolder>().Current;
        var logger = gateway.Services.GetRequiredService<ILoggerFactory>().CreateLogger("LinkGateway.Hosting.StartupSummary");
        var signatures = snapshot.Detector.Signatures;
        var today = DateOnly.FromDateTime(gateway.Services.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime);
        var lists = signatures.NetworkLists;
        var ages = lists.Count == 0
            ? "no network lists"
            : string.Create(CultureInfo.InvariantCulture, $"{lists.Count} network lists, newest {lists.Min(l => l.AgeDays(today))} days old, oldest {lists.Max(l => l.AgeDays(today))} days old");

        Log.Summary(logger, GatewayUsage.Version, string.Join(", ", gateway.Urls), admin is null ? "off" : string.Join(", ", admin.Urls),
            Store(options.Redis.Configuration), snapshot.Mode.ToName(), signatures.Version, ages);
    }

    /// <summary>"in-process", or "redis host:port,…": the endpoints alone, as the configuration string may carry a password.</summary>
    internal static string Store(string? redisConfiguration) => string.IsNullOrWhiteSpace(redisConfiguration)
        ? "in-process"
        : "redis " + string.Join(",", StackExchange.Redis.ConfigurationOptions.Parse(redisConfiguration).EndPoints.Select(StackExchange.Redis.EndPointCollection.ToString));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "{Version} started: proxy {Listening}; admin {Admin}; store {Store}; mode {Mode}; signatures {Signatures} ({SignatureAges})")]
        public static partial void Summary(ILogger logger, string version, string listening, string admin, string store, string mode, string signatures, string signatureAges);
    }
}
