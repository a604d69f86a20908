using LinkGateway.Contracts;
using LinkGateway.Forwarding;
using LinkGateway.Guard;
using LinkGateway.Links;
using LinkGateway.Paths;
using LinkGateway.ProxyTrust;
using LinkGateway.Signing;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.FileProviders;
using Serilog;

namespace LinkGateway.Hosting;

/// <summary>Composition of the gateway: configuration, services and the request pipeline, in the order of the design.</summary>
public static class GatewayApp
{
    /// <summary>
    /// Builds the gateway. Throws <see cref="GatewayConfigurationException"/> when the configuration cannot run.
    /// </summary>
    /// <param name="launch">The parsed command line.</param>
    /// <param name="overrides">Settings that win over every other source (used by --demo).</param>
    /// <param name="configure">A last look at the builder (tests add log sinks here).</param>
    public static WebApplication Build(GatewayLaunch launch, IReadOnlyDictionary<string, string?>? overrides = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            // No appsettings.json is read, so nothing needs watching there: each watcher is an inotify instance,
            // of which Linux allows 128 per user by default.
            Args = [.. launch.HostArgs, "--hostBuilder:reloadConfigOnChange=false"],
            ContentRootPath = Path.GetDirectoryName(launch.ConfigFile),
        });
        var configFolder = ConfigFile.Add(builder.Configuration, launch.ConfigFile);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        ValidatedConfig config;
        try
        {
            config = GatewayConfigValidator.Validate(builder.Configuration, Path.GetDirectoryName(launch.ConfigFile)!);
        }
        catch
        {
            configFolder.Dispose(); // its file watcher; the gateway will not run
            throw;
        }

        // The host disposes what a factory returned: the config file's watcher goes with the gateway.
        builder.Services.AddSingleton(_ => configFolder);
        var options = config.Options;

        // Each host keeps its own logger (preserveStaticLogger), so several gateways in one process (the
        // tests) never write into each other's logs through Serilog's static Log.Logger.
        builder.Services.AddSerilog((services, logger) => logger
            .ReadFrom.Configuration(builder.Configuration)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            // The host logs an address it could not open with its stack trace; GatewayProgram says it in one line instead.
            .Filter.ByExcluding(e => e.Exception is { } failure && GatewayProgram.ListenFailure(failure) is not null
                && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString() == "\"Microsoft.Extensions.Hosting.Internal.Host\""),
            preserveStaticLogger: true);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton(config.Options);
        builder.Services.AddSingleton(new GuardSnapshotHolder(config.Snapshot));
        builder.Services.AddSingleton<RoutePolicies>();
        builder.Services.AddShieldedPaths();
        builder.Services.AddSingleton<LinkGuard>();
        builder.Services.AddSingleton<GatewayWarmUp>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<GatewayWarmUp>());
        builder.Services.AddHealthChecks().AddCheck<GatewayWarmUp>("warm-up");
        builder.Services.AddSingleton(launch);
        builder.Services.AddHostedService<GuardReloader>();
        builder.Services.AddSingleton(new BotHeaderSignature(config.SigningKey));
        builder.Services.AddGatewayMemory(options.Redis, options.Memory);
        builder.Services.AddOperatorNetworks();
        builder.Services.AddInterstitialShield(options.Shield, options.Redis);
        builder.Services.AddClientRateLimiting(options.RateLimit);
        builder.Services.AddGatewayMetrics();
        builder.Services.AddProxyTrust(options.ForwardedHeaders);
        builder.Services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"))
            .AddConfigFilter<ProxyConfigFilter>()
            .AddTransforms<BotHeadersTransformProvider>();
        builder.Services.AddSingleton<Yarp.ReverseProxy.Forwarder.IForwarderHttpClientFactory, OriginHttpClientFactory>();
        builder.AddTlsFingerprint();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.RequestHeaderEncodingSelector = static _ => HeaderEncoding.Utf8);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<PhysicalFileProvider>(); // created through the factory now, so the container owns it
        app.UseMiddleware<PeerTrustMiddleware>(); // while the connection's address is still the peer's
        app.UseTrustedJa4Header(options.Tls);
        app.UseProxyTrust();
        app.UseExceptionHandler(failed => failed.Run(NeutralError));
        app.UseSerilogRequestLogging(logging =>
        {
            logging.Logger = app.Services.GetRequiredService<Serilog.ILogger>();
            // A balancer asks /healthz and /readyz every few seconds; at Information they would bury the requests that matter.
            // (A 503 from /readyz while warming up is its answer, not an error.)
            logging.GetLevel = (http, _, failure) =>
                failure is null && (http.Request.Path.StartsWithSegments("/healthz") || http.Request.Path.StartsWithSegments("/readyz"))
                    ? Serilog.Events.LogEventLevel.Debug
                    : failure is not null || http.Response.StatusCode >= 500 ? Serilog.Events.LogEventLevel.Error : Serilog.Events.LogEventLevel.Information;
            logging.EnrichDiagnosticContext = (diagnostics, http) =>
            {
                diagnostics.Set("ClientAddress", http.Connection.RemoteIpAddress?.ToString());
                diagnostics.Set("UserAgent", http.Request.Headers.UserAgent.ToString());
                if (Tls.TlsClientHello.Ja4Of(http) is { } ja4)
                {
                    diagnostics.Set("Ja4", ja4);
                }

                if (http.Features.Get<LinkGuardFeature>() is { } guard)
                {
                    diagnostics.Set("LinkKind", guard.Kind.ToName());
                    diagnostics.Set("Verdict", guard.Verdict.KindName);
                    diagnostics.Set("Score", guard.Verdict.Score);
                    diagnostics.Set("Reasons", guard.Verdict.Reasons);
                    diagnostics.Set("RequestIdSentToOrigin", guard.RequestId);
                    diagnostics.Set("Action", guard.EnforcedAction.ToName());
                    if (guard.Verdict.Degraded is { } degraded)
                    {
                        diagnostics.Set("Degraded", degraded);
                    }
                }
            };
        });
        app.UseRateLimiter();
        app.MapGet("/healthz", () => Results.Text("ok"));
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                // A node without its store still answers everyone, statelessly, and every node shares the store: taking nodes out
                // for it would turn a store outage into an outage of the links, unsubscribe included. The body says "degraded".
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = Readiness.WriteAsync,
        });
        try
        {
            // YARP loads and validates its routes and clusters here.
            app.MapReverseProxy(proxy =>
            {
                proxy.UseShieldedPaths();
                proxy.UseLinkGuard();
            });
        }
        catch (InvalidOperationException e) when (e.Source == "Yarp.ReverseProxy" && e.InnerException is AggregateException invalid)
        {
            ((IDisposable)app).Dispose();
            throw new GatewayConfigurationException(ProxyConfigRules.Describe(invalid.InnerExceptions));
        }

        return app;
    }

    private static async Task NeutralError(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status500InternalServerError;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        await context.Response.WriteAsync("Something went wrong. Please try again later.");
    }
}
