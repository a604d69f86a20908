using LinkGateway.Contracts;
using LinkGateway.Forwarding;
using LinkGateway.Links;
using LinkGateway.ProxyTrust;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Serilog;

namespace LinkGateway.Hosting;

/// <summary>
/// The one place that says which features make the gateway and in what order they see a request (the design's order).
/// Each feature folder brings its own Add*/Use*; <see cref="GatewayApp"/> builds the host around them.
/// </summary>
public static class LinkGatewayComposition
{
    /// <summary>Every feature's services, from a configuration that has been validated.</summary>
    public static WebApplicationBuilder AddLinkGateway(this WebApplicationBuilder builder, ValidatedConfig config, GatewayLaunch launch)
    {
        var options = config.Options;
        var services = builder.Services;
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton(config.Options);
        services.AddShieldedPaths();
        services.AddLinkGuard(config.Snapshot);
        services.AddSingleton<GatewayWarmUp>();
        services.AddHostedService(sp => sp.GetRequiredService<GatewayWarmUp>());
        services.AddHealthChecks().AddCheck<GatewayWarmUp>("warm-up");
        services.AddSingleton(launch);
        services.AddSingleton(config);
        services.AddSingleton<GuardReloader>();
        services.AddHostedService(sp => sp.GetRequiredService<GuardReloader>());
        services.AddSingleton<Yarp.ReverseProxy.Configuration.IConfigChangeListener>(sp => sp.GetRequiredService<GuardReloader>());
        services.AddGatewayMemory(options.Redis, options.Memory);
        services.AddOperatorNetworks();
        services.AddInterstitialShield(options.Shield, options.Redis, config.Brands);
        services.AddClientRateLimiting(options.RateLimit);
        services.AddGatewayMetrics();
        services.AddProxyTrust(options.ForwardedHeaders);
        services.AddReverseProxy()
            .LoadFromConfig(builder.Configuration.GetSection(ProxyConfigRules.SectionName))
            .LoadFromMemory([], [ProxyConfigFilter.WholeChange])
            .AddConfigFilter<ProxyConfigFilter>()
            .AddBotHeaders(config.SigningKey)
            .AddHostPolicies()
            .AddLandingVerdict(config.SigningKey);
        services.AddFoldBackWebhooks(options.FoldBack.Webhook);
        builder.AddGatewayTls(options.Tls, Path.GetDirectoryName(launch.ConfigFile)!);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.RequestHeaderEncodingSelector = static _ => HeaderEncoding.Utf8);
        return builder;
    }

    /// <summary>
    /// The request pipeline: who the client is (peer, trusted proxies, JA4), errors and request logs, the edge limits,
    /// health, then the proxy with its two steps: shielded paths, then the guard. Throws
    /// <see cref="GatewayConfigurationException"/> when YARP refuses the routes.
    /// </summary>
    public static WebApplication UseLinkGateway(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<LinkGatewayOptions>();
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
                // Kestrel's id of the request ("connection:number"), which the hosting's log scope used to add (it is off: GatewayApp).
                diagnostics.Set("RequestId", http.TraceIdentifier);
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
        // A client that leaves while its answer is read or written (a reset mid-body, a closed tab) makes the write or read in
        // hand throw: no failure of the gateway's, nobody reads an answer. Thrown on, it was logged as an error with its stack
        // and a 500, which any client could cause at will. Logged instead as what it is: 499, the client closed the request.
        app.Use(static (context, next) => UnlessTheClientLeft(context, next(context)));
        app.UseRateLimiter();
        // A forward proxy's method: the gateway only reverse-proxies (YARP would fail it with a 502 and a stack trace).
        app.Use((context, next) => HttpMethods.IsConnect(context.Request.Method)
            ? PlainAnswer.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, "Method not allowed.")
            : next(context));
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
                proxy.UseForwardOutcomes();
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

    private static Task NeutralError(HttpContext context) =>
        PlainAnswer.WriteAsync(context, StatusCodes.Status500InternalServerError, "Something went wrong. Please try again later.");

    /// <summary>The answer, unless the client left meanwhile (the request is then 499); no state machine when it is done.</summary>
    private static Task UnlessTheClientLeft(HttpContext context, Task answering) =>
        answering.IsCompletedSuccessfully ? answering : AwaitUnlessTheClientLeftAsync(context, answering);

    private static async Task AwaitUnlessTheClientLeftAsync(HttpContext context, Task answering)
    {
        try
        {
            await answering.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            if (!context.Response.HasStarted)
            {
                context.Response.StatusCode = StatusCodes.Status499ClientClosedRequest;
            }
        }
    }
}
