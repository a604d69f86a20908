using LinkGateway.Forwarding;
using LinkGateway.Observability;
using Microsoft.Extensions.FileProviders;
using Serilog;
using Serilog.Configuration;
using Serilog.Events;
using Yarp.ReverseProxy.Forwarder;

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
        // The sinks (the configuration's Serilog:WriteTo, else the console) are written through LogQueue, never in the request:
        // a log that cannot be written (stdout a pipe nobody drains) must not stop clicks. Everything else of the Serilog
        // section — levels and their overrides, enrichers, filters — stays with the logger that makes the events, so what no
        // sink would write is never made, and each runs once: the queue's logger reads only the sinks (a sub-logger applies
        // its own minimum level but no overrides: it must pass all it is given). Sinks registered as services (the tests'
        // capture) and Serilog:AuditTo (synchronous by Serilog's design: an audit sink's failure fails the call) stay direct.
        var (sinks, others) = SplitSinks(builder.Configuration);
        var namesASink = sinks.GetSection("Serilog:WriteTo").GetChildren().Any();
        var logQueue = new LogQueue();
        builder.Services.AddSingleton(logQueue);
        builder.Services.AddSerilog((services, logger) =>
        {
            logger.WriteTo.Sink(LoggerSinkConfiguration.Wrap(logQueue.InFrontOf, queue => queue.Logger(written =>
            {
                written.MinimumLevel.Verbose();
                if (namesASink)
                {
                    SerilogSettings.Read(sinks, () => written.ReadFrom.Configuration(sinks));
                }
                else
                {
                    written.WriteTo.Console();
                }
            })));

            // ASP.NET Core starts an Activity for every request while its hosting diagnostics logger is enabled at any level,
            // and HttpClient then a second one and a traceparent of its own for the origin. The gateway exports no traces:
            // that was 2 % of its CPU and about 0.8 KB per click (2026-11-29). A client's trace context still reaches the
            // origin as sent. An operator who wants the hosting's request lines (and the Activity) back overrides this
            // category in the Serilog section.
            logger.MinimumLevel.Override("Microsoft.AspNetCore.Hosting.Diagnostics", LevelAlias.Off);
            SerilogSettings.Read(others, () => logger.ReadFrom.Configuration(others));
            logger.ReadFrom.Services(services)
                .Enrich.FromLogContext()
                // The host logs a failed start (an address it could not open, a certificate it could not read) with its stack
                // trace; GatewayProgram says it in one line instead.
                .Filter.ByExcluding(e => e.Exception is not null && e.MessageTemplate.Text == "Hosting failed to start"
                    && e.Properties.TryGetValue("SourceContext", out var source) && source.ToString() == "\"Microsoft.Extensions.Hosting.Internal.Host\"")
                // YARP warns with a stack trace when a client leaves mid-forward, which any client can do at will; the request
                // log says 499 for it instead (ForwardOutcomeMiddleware).
                .Filter.ByExcluding(e => e.Properties.TryGetValue("error", out var error) && error is ScalarValue { Value: ForwarderError forwarding }
                    && ForwardOutcomeMiddleware.ClientLeft(forwarding))
                // YARP logs a refused reload with a stack trace per route; GuardReloader says each refusal in a line of its own.
                // YARP logs a value it cannot convert with a stack trace and no key; GuardReloader names the key. Only when it
                // does: a value YARP refuses and the gateway's rules do not know of keeps YARP's own error. (One filter: every
                // request's log line passes it, and the event's name is looked up once.)
                .Filter.ByExcluding(e => YarpEvent(e) switch
                {
                    "ErrorApplyingConfig" => true,
                    "ConfigurationDataConversionFailed" => HasUnreadableYarpValue(builder.Configuration),
                    _ => false,
                });
        }, preserveStaticLogger: true);
        builder.AddLinkGateway(config, launch);
        configure?.Invoke(builder);

        var app = builder.Build();
        app.Services.GetRequiredService<PhysicalFileProvider>(); // created through the factory now, so the container owns it
        app.UseLinkGateway();
        return app;
    }

    /// <summary>The name of a YARP log event's id (its events are named), null for other events.</summary>
    private static string? YarpEvent(LogEvent e) =>
        e.Properties.TryGetValue("EventId", out var id) && id is StructureValue eventId
            && eventId.Properties.FirstOrDefault(p => p.Name == "Name")?.Value is ScalarValue { Value: string name } ? name : null;

    private static bool HasUnreadableYarpValue(IConfiguration configuration)
    {
        var unreadable = new List<string>();
        ProxyConfigRules.CheckYarpValues(configuration, unreadable);
        return unreadable.Count > 0;
    }

    /// <summary>
    /// The configuration's Serilog sinks (<c>Serilog:WriteTo</c>, with the <c>Using</c> assemblies and <c>LevelSwitches</c>
    /// they may name), and everything else; keys compared as configuration compares them, ignoring case. Copies, read once:
    /// the Serilog section is not part of the gateway's reload (docs/operations/tuning.md).
    /// </summary>
    private static (IConfiguration Sinks, IConfiguration Others) SplitSinks(IConfiguration configuration)
    {
        static bool Under(string key, string section) =>
            key.Equals(section, StringComparison.OrdinalIgnoreCase) || key.StartsWith(section + ":", StringComparison.OrdinalIgnoreCase);

        var all = configuration.AsEnumerable().ToList();
        var sinks = all.Where(e => Under(e.Key, "Serilog:WriteTo") || Under(e.Key, "Serilog:Using") || Under(e.Key, "Serilog:LevelSwitches"));
        var others = all.Where(e => !Under(e.Key, "Serilog:WriteTo"));
        return (new ConfigurationBuilder().AddInMemoryCollection(sinks).Build(), new ConfigurationBuilder().AddInMemoryCollection(others).Build());
    }
}
