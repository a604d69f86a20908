namespace LinkGateway.Hosting;

/// <summary>
/// How the process was asked to start: our own switches (--demo, --config FILE) taken out of the
/// arguments, everything else left for ASP.NET configuration (--urls, --A:B=value).
/// </summary>
public sealed record GatewayLaunch(bool Demo, string ConfigFile, string[] HostArgs)
{
    public const string DefaultConfigFile = "config/linkgateway.json";

    public static GatewayLaunch Parse(string[] args)
    {
        var demo = false;
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
                rest.Add(arg);
            }
        }

        return new GatewayLaunch(demo, ResolveConfigFile(configFile), [.. rest]);
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
