using Microsoft.Extensions.Configuration.EnvironmentVariables;
using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace LinkGateway.Hosting;

/// <summary>
/// The gateway's JSON configuration file (--config), watched for changes. A file that cannot be read or parsed
/// stops start-up with one line naming it and the place; an edit that does not parse keeps the last good content
/// and says so (<see cref="Provider.Refused"/>). ASP.NET's own JSON provider empties itself on a failed reload without
/// telling anyone, so the next reload of anything else (a signature file) would have validated an empty file:
/// no routes, every option at its default.
/// </summary>
public static class ConfigFile
{
    /// <summary>
    /// The JSON file sits where appsettings.json would: above nothing, below environment variables and
    /// the command line, so `A__B=v` and `--A:B=v` override it as in any ASP.NET application.
    /// </summary>
    /// <returns>The file provider that watches the file's folder (the caller owns it).</returns>
    public static PhysicalFileProvider Add(ConfigurationManager configuration, string file)
    {
        var folder = new PhysicalFileProvider(Path.GetDirectoryName(file)!);
        var source = new Source
        {
            FileProvider = folder,
            Path = Path.GetFileName(file),
            Optional = false,
            ReloadOnChange = true,
            OnLoadException = failed =>
            {
                // Called on a failed reload after the provider emptied itself; not ignored, so nothing is told to reload.
                if (failed.Provider is Provider provider)
                {
                    provider.KeepLastGood($"--config: {file}: {Problem(failed.Exception)}");
                }
            },
        };
        var sources = configuration.Sources;
        var at = sources.Count;
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is EnvironmentVariablesConfigurationSource { Prefix: null or "" })
            {
                at = i;
                break;
            }
        }

        try
        {
            sources.Insert(at, source); // reads the file now
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            folder.Dispose();
            throw new GatewayConfigurationException([$"--config: {file}: {Problem(e)}"]);
        }

        return folder;
    }

    /// <summary>"not valid JSON: … (line 18, column 7)" from the JSON reader's message, whose positions count from 0.</summary>
    private static string Problem(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        if (e is not InvalidDataException)
        {
            return $"cannot be read: {inner.Message}";
        }

        var position = System.Text.RegularExpressions.Regex.Match(inner.Message, " ?LineNumber: (?<line>\\d+) \\| BytePositionInLine: (?<column>\\d+)\\.?");
        return position.Success
            ? $"not valid JSON: {inner.Message.Replace(position.Value, "", StringComparison.Ordinal).Trim()} (line {int.Parse(position.Groups["line"].Value) + 1}, column {int.Parse(position.Groups["column"].Value) + 1})"
            : $"not valid JSON: {inner.Message}";
    }

    private sealed class Source : JsonConfigurationSource
    {
        public override IConfigurationProvider Build(IConfigurationBuilder builder)
        {
            EnsureDefaults(builder);
            return new Provider(this);
        }
    }

    /// <summary>The file's provider; the guard's reloader listens to <see cref="Refused"/>.</summary>
    internal sealed class Provider(JsonConfigurationSource source) : JsonConfigurationProvider(source)
    {
        private IDictionary<string, string?>? _lastGood;

        /// <summary>An edit of the file was refused and the last good content stays: what is wrong, in one line.</summary>
        public event Action<string>? Refused;

        public override void Load(Stream stream)
        {
            base.Load(stream);
            _lastGood = Data;
        }

        /// <summary>After a failed reload; at start-up there is nothing good yet, and start-up fails instead.</summary>
        public void KeepLastGood(string problem)
        {
            if (_lastGood is not null)
            {
                Data = _lastGood;
                Refused?.Invoke(problem);
            }
        }
    }
}
