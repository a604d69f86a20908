namespace LinkGateway.Hosting;

/// <summary>
/// How the process was asked to start: our own switches (--demo, --config FILE) taken out of the
/// arguments, everything else left for ASP.NET configuration (--urls, --A:B=value). A switch that names no
/// configuration the gateway reads (a typo such as --conifg, a positional word) stops start-up naming it: ASP.NET
/// would take it as a key nobody reads, or the next switch as its value, and start as if it had not been given.
/// </summary>
public sealed record GatewayLaunch(bool Demo, string ConfigFile, string[] HostArgs)
{
    public const string DefaultConfigFile = "config/linkgateway.json";

    /// <summary>The settings that say where Kestrel listens (ListenUrl.OfGateway reads them).</summary>
    private static readonly string[] _listenKeys = ["urls", "http_ports", "https_ports"];

    /// <summary>
    /// Whether <see cref="HostArgs"/> say where to listen (urls, http_ports or https_ports, in any case, as --KEY or /KEY):
    /// --demo's default address must not override them.
    /// </summary>
    public bool ListenGiven { get; init; }

    public static GatewayLaunch Parse(string[] args)
    {
        var demo = false;
        var listenGiven = false;
        string? configFile = null;
        var rest = new List<string>();
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--demo")
            {
                demo = true;
            }
            else if (arg == "--config")
            {
                if (i + 1 >= args.Length)
                {
                    throw new GatewayConfigurationException(["--config: needs a file path"]);
                }

                configFile = args[++i];
            }
            else if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configFile = arg["--config=".Length..];
            }
            else
            {
                var (key, takesNext) = HostSwitch(arg);
                listenGiven |= _listenKeys.Contains(key, StringComparer.OrdinalIgnoreCase);
                rest.Add(arg);
                if (takesNext)
                {
                    if (i + 1 >= args.Length)
                    {
                        throw new GatewayConfigurationException([$"{arg}: needs a value (--KEY VALUE or --KEY=VALUE)"]);
                    }

                    rest.Add(args[++i]);
                }
            }
        }

        return new GatewayLaunch(demo, ResolveConfigFile(configFile), [.. rest]) { ListenGiven = listenGiven };
    }

    /// <summary>
    /// The configuration sections and host settings a switch may set; anything else is a mistake. Section names are
    /// matched as ASP.NET matches keys, ignoring case.
    /// </summary>
    private static readonly HashSet<string> _configurationRoots = new(StringComparer.OrdinalIgnoreCase)
    {
        "LinkGateway", "ReverseProxy", "Kestrel", "Serilog", "Logging", "AllowedHosts",
        "urls", "http_ports", "https_ports", "environment", "applicationName", "contentRoot", "shutdownTimeoutSeconds",
    };

    /// <summary>Checks a switch left for ASP.NET's command-line configuration: its key, and whether its value is the next argument.</summary>
    private static (string Key, bool TakesNext) HostSwitch(string arg)
    {
        var prefix = arg.StartsWith("--", StringComparison.Ordinal) ? 2 : arg.StartsWith('/') ? 1 : 0;
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        var key = prefix == 0 ? string.Empty : equals < 0 ? arg[prefix..] : arg[prefix..equals];
        var root = key.Split(':', 2)[0];
        if (prefix == 0 || !_configurationRoots.Contains(root))
        {
            throw new GatewayConfigurationException([$"{arg}: unknown switch (switches: --config FILE, --demo, --urls URLS, --SECTION:KEY=VALUE; see --help)"]);
        }

        return (key, equals < 0);
    }

    /// <summary>
    /// An explicit path is taken as given. The default is looked up from the working directory upwards
    /// (`dotnet run` starts in the project folder), then beside the program (containers).
    /// </summary>
    private static string ResolveConfigFile(string? explicitPath)
    {
        if (explicitPath is not null)
        {
            var full = Path.GetFullPath(explicitPath);
            if (File.Exists(full))
            {
                return full;
            }

            // `dotnet run --project src/LinkGateway` may start in the project folder: a relative path given from the
            // repository root is found there too, as the default file is.
            return !Path.IsPathRooted(explicitPath) && LinkGateway.Contracts.WorkingTree.FindUpwards(explicitPath) is { } fromRoot && File.Exists(fromRoot)
                ? fromRoot
                : throw new GatewayConfigurationException([$"--config: file not found: {full}"]);
        }

        if (LinkGateway.Contracts.WorkingTree.FindUpwards(DefaultConfigFile) is { } found && File.Exists(found))
        {
            return found;
        }

        var besideProgram = Path.Combine(AppContext.BaseDirectory, DefaultConfigFile);
        return File.Exists(besideProgram)
            ? besideProgram
            : throw new GatewayConfigurationException([$"--config: {DefaultConfigFile} not found in {Environment.CurrentDirectory} or above (run from the repository root, or pass --config FILE)"]);
    }
}
