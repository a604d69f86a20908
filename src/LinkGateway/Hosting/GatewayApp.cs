using LinkGateway.Observability;
using Microsoft.Extensions.FileProviders;
using Serilog;
using Serilog.Events;

namespace LinkGateway.Hosting;

/// <summary>The gateway's host: configuration, logging and Kestrel around the features <see cref="LinkGatewayComposition"/> composes.</summary>
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

        // Each host keeps its own logger (preserveStaticLogger), so several gateways in one process (the
        // tests) never write into each other's logs through Serilog's static Log.Logger.
        // A configuration file that names no sink (an operator's own, written from the README's routes) must not make the
        // gateway silent: its start-up summary, warnings and request log go to the console then, as with the shipped file.
        var namesASink = builder.Configuration.GetSection("Serilog:WriteTo").GetChildren().Any();
        // The sinks (the configuration's Serilog:WriteTo, else the console) are written through LogQueue, never in the request:
        // a log that cannot be written (stdout a pipe nobody drains) must not stop clicks. The levels, enrichers and filters
        // stay with the logger that makes the events, so what no sink would write is never made; sinks registered as
        // services (the tests' capture) stay direct.
        var withoutSinks = new ConfigurationBuilder().AddInMemoryCollection(builder.Configuration.AsEnumerable()
            .Where(e => !e.Key.Equals("Serilog:WriteTo", StringComparison.OrdinalIgnoreCase) && !e.Key.StartsWith("Serilog:WriteTo:", StringComparison.OrdinalIgnoreCase)))
            .Build();
        var logQueue = new LogQueue();
        builder.Services.AddSingleton(logQueue);
        builder.Services.AddSerilog((services, logger) => logger
            .WriteTo.Async(sinks => sinks.Logger(written => _ = namesASink ? written.ReadFrom.Configuration(builder.Configuration) : written.WriteTo.Console()),
                LogQueue.Capacity, blockWhenFull: false, logQueue)
            // ASP.NET Core starts an Activity for every request while its hosting diagnostics logger is enabled at any level,
            // and HttpClient then a second one and a traceparent of its own for the origin. The gateway exports no traces:
            // that was 2 % of its CPU and about 0.8 KB per click (2026-11-29). A client's trace context still reaches the
            // origin as sent. An operator who wants the hosting's request lines (and the Activity) back overrides this
            // category in the Serilog section.
            .MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off)
            .ReadFrom.Configuration(withoutSinks)
            .ReadFrom.Services(services)
            .Enrich.FromLogContext()
            // The host logs a failed start (an address it could not open, a certificate it could not read) with its stack
            // trace; GatewayProgram says it in one line instead.
            .Filter.ByExcluding(e => e.Exception is not null && e.MessageTemplate.Text == "Hosting failed to start"
                && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString() == "\"Microsoft.Extensions.Hosting.Internal.Host\""),
            preserveStaticLogger: true);
        builder.AddLinkGateway(config, launch);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<PhysicalFileProvider>(); // created through the factory now, so the container owns it
        app.UseLinkGateway();
        return app;
    }
}
