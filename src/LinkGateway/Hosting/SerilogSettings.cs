using System.Reflection;
using System.Text.RegularExpressions;
using LinkGateway.Contracts;
using LinkGateway.Observability;

namespace LinkGateway.Hosting;

/// <summary>
/// Reads the Serilog section so that a mistake in it stops start-up naming the key. Serilog's configuration reader never
/// throws for a sink, enricher or filter it cannot find (its reliability policy): it tells its self-log and leaves the
/// entry out, and a gateway with <c>"Name": "Consol"</c> ran and wrote nothing at all, not even its start-up summary.
/// </summary>
internal static partial class SerilogSettings
{
    /// <summary>Runs <paramref name="read"/> (a <c>ReadFrom.Configuration</c> of <paramref name="configuration"/>); throws
    /// <see cref="GatewayConfigurationException"/> with one line per entry Serilog's reader could not use, or for what it threw
    /// (an assembly in <c>Using</c> that is not there, a level that is none, a sink that could not be made).</summary>
    public static void Read(IConfiguration configuration, Action read)
    {
        string? thrown = null;
        var heard = SerilogSelfLog.Listen(() =>
        {
            try
            {
                read();
            }
            catch (Exception e) when (e is not GatewayConfigurationException)
            {
                // A sink's constructor is called through reflection: its own exception is the inner one.
                thrown = (e is TargetInvocationException { InnerException: { } inner } ? inner : e).Message;
            }
        });
        var problems = thrown is null ? heard : [.. heard, thrown];
        if (problems.Count > 0)
        {
            throw new GatewayConfigurationException(problems.Select(message => Explain(message, configuration)).Distinct().ToList());
        }
    }

    /// <summary>One of Serilog's complaints as a configuration error, named by the key it is about, else by the Serilog section.</summary>
    internal static string Explain(string message, IConfiguration configuration)
    {
        var entries = configuration.AsEnumerable().Where(e => e.Key.StartsWith("Serilog:", StringComparison.OrdinalIgnoreCase) && !string.IsNullOrEmpty(e.Value)).ToList();
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (MissingMethod().Match(lines[0]) is not { Success: true } missing)
        {
            // Name the key whose value the message quotes (an assembly, a level, a path); the longest, so that "Console"
            // does not stand for "Serilog.Sinks.Console".
            var quoted = entries.Where(e => e.Value!.Length >= 3 && lines[0].Contains(e.Value, StringComparison.Ordinal))
                .OrderByDescending(e => e.Value!.Length)
                .Select(e => e.Key)
                .FirstOrDefault();
            // A sink that could not be made (a file sink's folder that cannot be created) is told with its exception: the
            // message without the stack trace.
            return $"{quoted ?? "Serilog"}: {string.Join(' ', lines.TakeWhile(l => !l.StartsWith("at ", StringComparison.Ordinal)))}";
        }

        var name = missing.Groups["name"].Value;
        var key = entries.Where(e => string.Equals(e.Value, name, StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Key)
            .OrderBy(k => k.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .FirstOrDefault() ?? "Serilog";
        var candidates = lines.Skip(1).Select(l => CandidateMethod().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value).Distinct().ToList();
        if (candidates.Contains(name, StringComparer.OrdinalIgnoreCase))
        {
            // Serilog has the sink but none of its overloads takes the arguments given (a required one is missing).
            var given = missing.Groups["arguments"].Success ? $"the arguments {missing.Groups["arguments"].Value}" : "no arguments";
            var args = key.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) ? key[..^":Name".Length] + ":Args" : key;
            return $"{args}: Serilog's \"{name}\" cannot be called with {given} (a required one missing?)";
        }

        var hint = candidates.Count > 0 ? ConfigNames.Hint(name, candidates) : "is its package's assembly in Serilog:Using?";
        return $"{key}: \"{name}\" is nothing Serilog can find in the assemblies it loaded ({hint})";
    }

    // "Unable to find a method called File with no supplied arguments. Candidate methods are:", "… called X for supplied
    // arguments: a, b. No candidates found." (Serilog.Settings.Configuration 10)
    [GeneratedRegex(@"^Unable to find a method called (?<name>[^.\s]+)(?: with no supplied arguments| for supplied arguments: (?<arguments>[^.]*))?\.")]
    private static partial Regex MissingMethod();

    // "Serilog.LoggerConfiguration Console(Serilog.Configuration.LoggerSinkConfiguration, ...)" for a name it does not know,
    // "File(path, restrictedToMinimumLevel, ...)" for one whose arguments match none of its forms.
    [GeneratedRegex(@"^(?:\S+ )?(?<name>\w+)\(")]
    private static partial Regex CandidateMethod();
}
