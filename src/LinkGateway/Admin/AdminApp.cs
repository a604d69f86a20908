using System.Net;
using System.Security.Cryptography;
using System.Text;
using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;
using LinkGateway.Guard;
using LinkGateway.Links;
using LinkGateway.Memory;
using LinkGateway.Networks;
using LinkGateway.Observability;
using LinkGateway.ProxyTrust;
using LinkGateway.Scoring;
using LinkGateway.Signatures;
using OpenTelemetry.Metrics;

namespace LinkGateway.Admin;

/// <summary>
/// The admin API, on a port of its own (a second Kestrel in the same process, sharing the gateway's
/// memory and guard), behind a bearer token compared in constant time. Off unless
/// LinkGateway:Admin:Urls is set. Operators look up and remove tags here (a false positive), read
/// the fold-back stream and the running configuration's versions, scrape Prometheus metrics
/// (<c>/metrics</c>, same token) and open the dashboard (<c>/admin/dashboard</c>).
/// </summary>
public static class AdminApp
{
    public static WebApplication Build(IServiceProvider gateway, AdminOptions options)
    {
        var builder = WebApplication.CreateSlimBuilder(["--urls", options.Urls!, "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.ClearProviders();
        // The exporter listens to the gateway's meter by name; without an admin port nothing listens and recording costs nothing.
        // No scrape cache (the exporter's default keeps a rendered scrape for 300 ms): a scrape right after a request must count it,
        // and scrapers come every few seconds, not every few milliseconds.
        builder.Services.AddOpenTelemetry().WithMetrics(metrics => metrics.AddMeter(GatewayMetrics.MeterName)
            .AddPrometheusExporter(exporter => exporter.ScrapeResponseCacheDurationMilliseconds = 0));
        var app = builder.Build();
        // The exporter listens from its start on: then every series known up front is measured once, at zero.
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var metrics in gateway.GetServices<IMetricsAtZero>())
            {
                metrics.ExportAtZero();
            }
        });
        var token = Encoding.UTF8.GetBytes(options.Token!);
        app.Use(async (context, next) =>
        {
            if (!(HttpMethods.IsGet(context.Request.Method) && AdminDashboard.IsDashboardFile(context.Request.Path)) && !Authorized(context.Request, token))
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await context.Response.WriteAsync("Unauthorized.");
                return;
            }

            await next(context);
        });

        MapTags(app, gateway.GetRequiredService<IGatewayMemory>());
        MapNetworks(app, gateway);
        MapStatus(app, gateway);
        app.MapPrometheusScrapingEndpoint("/metrics");
        AdminDashboard.Map(app);
        return app;
    }

    /// <summary>Tags and recent requests of an address or a prefix, and the fold-back stream.</summary>
    private static void MapTags(WebApplication app, IGatewayMemory memory)
    {
        // An address, or the /24 (IPv4) or /48 (IPv6) prefix the store keeps: its tag, and its recent human requests.
        app.MapGet("/admin/addresses/{address}", async (string address, CancellationToken cancelled) =>
            !IPAddress.TryParse(address, out var ip) ? Results.BadRequest(new { error = "not an IP address" })
            : Results.Ok(Describe(MemoryKeys.Normalize(ip).ToString(), await memory.LookupAsync(MemoryKeys.AddressEntity(ip), cancelled))));
        app.MapDelete("/admin/addresses/{address}/tag", async (string address, CancellationToken cancelled) =>
            !IPAddress.TryParse(address, out var ip) ? Results.BadRequest(new { error = "not an IP address" })
            : await memory.ForgetTagAsync(MemoryKeys.AddressEntity(ip), cancelled) ? Results.NoContent()
            : Results.NotFound(new { error = "no tag on that address" }));
        app.MapGet("/admin/prefixes/{address}/{prefixLength:int}", async (string address, int prefixLength, CancellationToken cancelled) =>
            StorePrefixOf(address, prefixLength) is not { } prefix ? _notAStorePrefix
            : Results.Ok(Describe(prefix, await memory.LookupAsync(MemoryKeys.NetworkEntity(prefix), cancelled))));
        app.MapDelete("/admin/prefixes/{address}/{prefixLength:int}/tag", async (string address, int prefixLength, CancellationToken cancelled) =>
            StorePrefixOf(address, prefixLength) is not { } prefix ? _notAStorePrefix
            : await memory.ForgetTagAsync(MemoryKeys.NetworkEntity(prefix), cancelled) ? Results.NoContent()
            : Results.NotFound(new { error = "no tag on that prefix" }));
        app.MapGet("/admin/foldback", async (int? count, CancellationToken cancelled) =>
            Results.Ok(await memory.ReadFoldBackAsync(Math.Clamp(count ?? 20, 1, 1000), cancelled)));
    }

    /// <summary>The runtime allow/deny networks, kept in the store and seen by every node.</summary>
    private static void MapNetworks(WebApplication app, IServiceProvider gateway)
    {
        var operatorNetworks = gateway.GetRequiredService<OperatorNetworks>();
        var networkStore = gateway.GetRequiredService<IOperatorNetworkStore>();
        var networkSync = gateway.GetRequiredService<OperatorNetworksSync>();
        var time = gateway.GetRequiredService<TimeProvider>();
        app.MapGet("/admin/networks", async (CancellationToken cancelled) =>
            Results.Ok(new { inForce = operatorNetworks.Entries, stored = await networkStore.ReadAllAsync(cancelled) }));
        app.MapPut("/admin/networks/{address}/{prefixLength:int}", async (string address, int prefixLength, NetworkChange change, CancellationToken cancelled) =>
        {
            if (NetworkOf(address, prefixLength) is not { } network)
            {
                return _notANetwork;
            }

            if (TooWide(network) is { } tooWide)
            {
                return tooWide;
            }

            // A list left out made an allow (the enum's first value), and "allow, deny" a deny (read as flags): the operator's
            // intended deny let every script from there past the shield. Exactly one of the two names.
            if (change.List switch { "allow" => OperatorList.Allow, "deny" => OperatorList.Deny, _ => (OperatorList?)null } is not { } list)
            {
                return _noList;
            }

            var entry = new OperatorNetwork(network, list, change.Note, time.GetUtcNow());
            await networkStore.SetAsync(entry, cancelled);
            await networkSync.ReloadAsync(cancelled); // this node at once; the others on the announcement
            return Results.Ok(entry);
        });
        app.MapDelete("/admin/networks/{address}/{prefixLength:int}", async (string address, int prefixLength, CancellationToken cancelled) =>
        {
            if (NetworkOf(address, prefixLength) is not { } network)
            {
                return _notANetwork;
            }

            var removed = await networkStore.RemoveAsync(network, cancelled);
            await networkSync.ReloadAsync(cancelled);
            return removed ? Results.NoContent() : Results.NotFound(new { error = "that network is on no list" });
        });
    }

    /// <summary>What runs (versions, mode, store) and what this node saw (the dashboard's data).</summary>
    private static void MapStatus(WebApplication app, IServiceProvider gateway)
    {
        var memory = gateway.GetRequiredService<IGatewayMemory>();
        var snapshots = gateway.GetRequiredService<GuardSnapshotHolder>();
        var board = gateway.GetRequiredService<GatewayMetrics>().Board;
        var circuit = gateway.GetRequiredService<StoreCircuit>();
        var backlog = gateway.GetRequiredService<ObservationBacklog>();
        app.MapGet("/admin/version", () =>
        {
            var snapshot = snapshots.Current;
            return Results.Ok(new
            {
                signatures = snapshot.Detector.Signatures.Version,
                mode = snapshot.Mode.ToName(),
                suspectThreshold = snapshot.Scorer.Policy.SuspectThreshold,
                botThreshold = snapshot.Scorer.Policy.BotThreshold,
                store = memory.Name,
            });
        });
        app.MapGet("/admin/stats", () =>
        {
            var snapshot = snapshots.Current;
            var stats = board.Snapshot();
            return Results.Ok(new
            {
                node = Environment.MachineName,
                store = memory.Name,
                mode = snapshot.Mode.ToName(),
                stats.Minutes,
                stats.Reasons,
                stats.TopBotNetworks,
                stats.NetworksApproximate,
                stats.Shield,
                stats.Opens,
                stats.Totals,
                stats.Origin,
                storeState = StoreState(circuit, backlog),
                warnings = gateway.GetRequiredService<UntrustedForwarders>().Warnings(),
                networkLists = NetworkListAges(snapshot, gateway.GetRequiredService<TimeProvider>()),
            });
        });
    }

    /// <summary>Each network list with its date and age, the oldest first; stale past <see cref="NetworkList.StaleAfter"/>.</summary>
    private static object NetworkListAges(GuardSnapshot snapshot, TimeProvider time)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        return new
        {
            staleAfterDays = (int)NetworkList.StaleAfter.TotalDays,
            lists = snapshot.Detector.Signatures.NetworkLists.OrderBy(l => l.Taken).ThenBy(l => l.Family, StringComparer.Ordinal).Select(l => new
            {
                family = l.Family,
                category = l.Category.ToName(),
                file = l.File,
                taken = l.Taken,
                ageDays = l.AgeDays(today),
                stale = l.IsStale(today),
                ranges = l.Ranges,
                source = l.Source,
            }),
        };
    }

    /// <summary>The store as the dashboard shows it: its circuit, its last PING, the requests that waited past the budget, the backlog.</summary>
    private static object StoreState(StoreCircuit circuit, ObservationBacklog backlog)
    {
        var state = circuit.State();
        return new
        {
            circuit = state.IsOpen ? "open" : "closed",
            state.OpenSince,
            lastPingMs = state.LastRoundTrip?.TotalMilliseconds,
            state.LastAnsweredAt,
            state.ProbeFailures,
            state.LateAnswers,
            state.TimesOpened,
            state.BudgetExceeded,
            state.LastProblem,
            backlog = backlog.Count,
            backlogDropped = backlog.Dropped,
            backlogWritten = backlog.Written,
        };
    }

    private static readonly IResult _notAStorePrefix = Results.BadRequest(new { error = "the store keeps /24 prefixes for IPv4 and /48 for IPv6, host bits zero, such as 203.0.113.0/24" });

    private static object Describe(string name, EntityLookup lookup) => new
    {
        name,
        tag = lookup.Tag is not { } tag ? null : new
        {
            score = tag.Score,
            reasons = tag.Reasons,
            taggedAt = tag.TaggedAt,
            secondsLeft = (long)lookup.TimeToLive.TotalSeconds,
        },
        recentHumanRequests = lookup.Recent,
    };

    /// <summary>The prefix as the store names it, when the route values name exactly such a prefix.</summary>
    private static string? StorePrefixOf(string address, int prefixLength) =>
        NetworkOf(address, prefixLength) is { } network && IPAddress.TryParse(address, out var ip) && NetworkPrefix.Of(ip) == network ? network : null;

    private static readonly IResult _notANetwork = Results.BadRequest(new { error = "not a network in CIDR form with its host bits zero, such as 203.0.113.0/24" });

    /// <summary>The canonical CIDR of a network given as two route values, or null when it is not one.</summary>
    private static string? NetworkOf(string address, int prefixLength) =>
        Fingerprinting.NetworkText.TryParse($"{address}/{prefixLength}", out var network) ? network.ToString() : null;

    private static readonly IResult _noList = Results.BadRequest(new { error = "say which list, by its name: \"list\": \"allow\" or \"deny\"" });

    /// <summary>
    /// Wider than any network an operator lists (a sandbox provider's, an office's): an allow of 0.0.0.0/0 let every scanner
    /// past the shield, a deny kept every person from unsubscribing. Such a block is a typo of its prefix length.
    /// </summary>
    private static IResult? TooWide(string network)
    {
        var parsed = System.Net.IPNetwork.Parse(network);
        var widest = parsed.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 8 : 16;
        return parsed.PrefixLength >= widest ? null : Results.BadRequest(new { error = $"{network} is wider than a listed network may be (a prefix of /{widest} or longer)" });
    }

    /// <summary>The body of PUT /admin/networks/{address}/{prefixLength}: which list (required), and a note.</summary>
    public sealed record NetworkChange(string? List, string? Note);

    private static bool Authorized(HttpRequest request, byte[] token)
    {
        var header = request.Headers.Authorization.ToString();
        // RFC 9110 §11.1: an authentication scheme is case-insensitive; clients send "bearer" too.
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
        // FixedTimeEquals is constant-time for equal lengths; hashing first hides the length too.
        return CryptographicOperations.FixedTimeEquals(SHA256.HashData(given), SHA256.HashData(token));
    }
}
