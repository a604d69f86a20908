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
    /// <see cref="GatewayConfigurationException"/> with one line per key Serilog's reader could not use, or for what it threw
    /// (an assembly in <c>Using</c> that is not there, a level that is none, a sink that could not be made).</summary>
    public static void Read(IConfiguration configuration, Action read)
    {
        var entries = configuration.AsEnumerable().Where(e => e.Key.StartsWith("Serilog:", StringComparison.OrdinalIgnoreCase) && e.Value is not null)
            .ToDictionary(e => e.Key, e => e.Value!, StringComparer.OrdinalIgnoreCase);
        if (FilePathProblems(entries).ToList() is { Count: > 0 } paths)
        {
            throw new GatewayConfigurationException(paths);
        }

        Exception? thrown = null;
        var heard = SerilogSelfLog.Listen(() =>
        {
            try
            {
                read();
            }
            catch (Exception e) when (e is not GatewayConfigurationException)
            {
                // A sink's constructor is called through reflection: its own exception is the inner one.
                thrown = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            }
        });
        // One line per key; what was thrown says it best (a File sink in AuditTo throws, and tells its self-log as well).
        var problems = heard.Select(message => Explain(message, null, entries)).Concat(thrown is null ? [] : [Explain(thrown.Message, thrown, entries)])
            .GroupBy(p => p.Key, StringComparer.OrdinalIgnoreCase)
            .Select(g => $"{g.Key}: {g.Last().Problem}")
            .ToList();
        if (problems.Count == 0)
        {
            problems = ArgumentProblems(entries).ToList();
        }

        if (problems.Count > 0)
        {
            throw new GatewayConfigurationException(problems);
        }
    }

    /// <summary>
    /// Serilog calls the form of a sink (enricher, filter) that takes the most of the arguments given, and drops the rest
    /// without a word: a misspelt <c>"outputTemplat"</c>, or a <c>"formatter"</c> added beside the shipped console's
    /// <c>"outputTemplate"</c> (no form of Console takes both), left a gateway writing what it wrote before. So every
    /// argument given must be one that a single form of the named method takes, among the methods of the Serilog
    /// assemblies the reader has loaded by now (its own and those <c>Using</c> names).
    /// </summary>
    private static IEnumerable<string> ArgumentProblems(Dictionary<string, string> entries)
    {
        var forms = FormsByName();
        foreach (var (key, name) in entries)
        {
            if (!key.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) || ConfiguredKind(key) is not { } kind
                || !forms.TryGetValue((kind, name), out var methods))
            {
                continue;
            }

            var entry = key[..^":Name".Length];
            var args = entries.Keys.Where(k => k.StartsWith(entry + ":Args:", StringComparison.OrdinalIgnoreCase))
                .Select(k => k[(entry.Length + ":Args:".Length)..].Split(':')[0])
                .Distinct(StringComparer.OrdinalIgnoreCase)
                .ToList();
            if (args.Count == 0 || methods.Any(m => args.All(a => m.Contains(a))))
            {
                continue;
            }

            var known = methods.SelectMany(m => m).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
            if (args.FirstOrDefault(a => !known.Contains(a, StringComparer.OrdinalIgnoreCase)) is { } unknown)
            {
                yield return $"{entry}:Args:{unknown}: Serilog's \"{name}\" takes no argument \"{unknown}\" ({ConfigNames.Hint(unknown, known)})";
            }
            else
            {
                yield return $"{entry}:Args: no form of Serilog's \"{name}\" takes {string.Join(", ", args[..^1])} and {args[^1]} together; Serilog would drop some of them";
            }
        }
    }

    // The section a "…:Name" key configures, by the last of Serilog's section names in its path (a sink nested in another's
    // arguments, as a sub-logger's "configureLogger" holds, is a sink too); null where it is none of them.
    private static Type? ConfiguredKind(string key)
    {
        Type? kind = null;
        foreach (var segment in key.Split(':'))
        {
            kind = segment.ToUpperInvariant() switch
            {
                "WRITETO" => typeof(Serilog.Configuration.LoggerSinkConfiguration),
                "AUDITTO" => typeof(Serilog.Configuration.LoggerAuditSinkConfiguration),
                "ENRICH" => typeof(Serilog.Configuration.LoggerEnrichmentConfiguration),
                "FILTER" => typeof(Serilog.Configuration.LoggerFilterConfiguration),
                "DESTRUCTURE" => typeof(Serilog.Configuration.LoggerDestructuringConfiguration),
                _ => kind,
            };
        }

        return kind;
    }

    // Each configuration method of the loaded Serilog assemblies, by what it configures and its name: the parameter names
    // of each of its forms (after the one it extends).
    private static Dictionary<(Type Kind, string Name), List<HashSet<string>>> FormsByName()
    {
        var forms = new Dictionary<(Type, string), List<HashSet<string>>>(new KindAndName());
        var methods = AppDomain.CurrentDomain.GetAssemblies()
            .Where(a => !a.IsDynamic && a.GetName().Name?.StartsWith("Serilog", StringComparison.OrdinalIgnoreCase) == true)
            .SelectMany(LoadableTypes)
            .Where(t => t.IsAbstract && t.IsSealed) // static classes: where extension methods live
            .SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic));
        foreach (var method in methods)
        {
            var parameters = method.GetParameters();
            if (parameters.Length == 0)
            {
                continue;
            }

            var key = (parameters[0].ParameterType, method.Name);
            if (!forms.TryGetValue(key, out var list))
            {
                forms[key] = list = [];
            }

            list.Add(parameters.Skip(1).Select(p => p.Name!).ToHashSet(StringComparer.OrdinalIgnoreCase));
        }

        return forms;
    }

    // A sink package may hold types whose own dependencies are not there; the rest are still its methods.
    private static IEnumerable<Type> LoadableTypes(Assembly assembly)
    {
        try
        {
            return assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            return e.Types.OfType<Type>();
        }
    }

    private sealed class KindAndName : IEqualityComparer<(Type Kind, string Name)>
    {
        public bool Equals((Type Kind, string Name) x, (Type Kind, string Name) y) =>
            x.Kind == y.Kind && string.Equals(x.Name, y.Name, StringComparison.OrdinalIgnoreCase);

        public int GetHashCode((Type Kind, string Name) obj) => HashCode.Combine(obj.Kind, StringComparer.OrdinalIgnoreCase.GetHashCode(obj.Name));
    }

    /// <summary>
    /// A File sink opens its file at start-up, and its failure reaches the self-log while the settings are read; a rolling
    /// one (<c>rollingInterval</c>, <c>rollOnFileSizeLimit</c>) opens files of other names (the date, a number added), and
    /// only at its first line, on the log queue's thread, where a folder it cannot write in loses every line. So each File
    /// sink's file, when it is there, must open for appending now, and its folder must take a new file when the file is not
    /// there or the sink rolls. Names are matched wherever a sink may be configured (WriteTo, AuditTo, inside a sub-logger).
    /// </summary>
    private static IEnumerable<string> FilePathProblems(Dictionary<string, string> entries)
    {
        foreach (var (key, value) in entries)
        {
            var entry = key.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) ? key[..^":Name".Length] : null;
            if (entry is null || !value.Equals("File", StringComparison.OrdinalIgnoreCase)
                || !entries.TryGetValue(entry + ":Args:path", out var path) || path.Length == 0)
            {
                continue;
            }

            var rolls = entries.TryGetValue(entry + ":Args:rollingInterval", out var interval) && !interval.Equals("Infinite", StringComparison.OrdinalIgnoreCase)
                || entries.TryGetValue(entry + ":Args:rollOnFileSizeLimit", out var onSize) && onSize.Equals("true", StringComparison.OrdinalIgnoreCase);
            if (CannotWrite(path, rolls) is { } problem)
            {
                yield return $"{entry}:Args:path: {problem}";
            }
        }
    }

    /// <summary>Why a File sink could not write at <paramref name="path"/> now; null when it could.</summary>
    private static string? CannotWrite(string path, bool rolls)
    {
        // Serilog's reader expands environment variables in string arguments, and the sink resolves the path from the
        // working directory.
        string full;
        try
        {
            full = Path.GetFullPath(Environment.ExpandEnvironmentVariables(path));
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            return $"not a path: {GatewayProgram.OneLine(e.Message)}";
        }

        if (File.Exists(full))
        {
            try
            {
                using var appended = new FileStream(full, FileMode.Append, FileAccess.Write, FileShare.ReadWrite); // as the sink opens it
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                return $"the File sink cannot write to {full}: {GatewayProgram.OneLine(e.Message)}";
            }

            if (!rolls)
            {
                return null;
            }
        }

        var folder = Path.GetDirectoryName(full)!;
        var probe = Path.Combine(folder, $".linkgateway-{Guid.NewGuid():N}.tmp");
        try
        {
            Directory.CreateDirectory(folder);
            using var written = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return $"the File sink cannot write in {folder}: {GatewayProgram.OneLine(e.Message).Replace(probe, folder, StringComparison.Ordinal)}";
        }
    }

    /// <summary>One of Serilog's complaints as a configuration problem: the key it is about (else the Serilog section), and what is wrong.</summary>
    internal static (string Key, string Problem) Explain(string message, Exception? thrown, IReadOnlyDictionary<string, string> entries)
    {
        var lines = message.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var first = lines.Length > 0 ? lines[0] : string.Empty;
        if (MissingMethod().Match(first) is { Success: true } missing)
        {
            return Missing(missing, lines, entries);
        }

        // With the self-log on, Serilog's reader passes a message holding a name with braces to it as a format: that throws.
        if (thrown is FormatException && entries.FirstOrDefault(e => IsName(e.Key) && e.Value.AsSpan().IndexOfAny('{', '}') >= 0) is { Key: not null } braced)
        {
            return (braced.Key, $"\"{braced.Value}\" is nothing Serilog can find (a name has no braces)");
        }

        if (first.StartsWith("No LoggingLevelSwitch has been declared with name", StringComparison.Ordinal)
            && entries.FirstOrDefault(e => e.Key.Contains(":MinimumLevel", StringComparison.OrdinalIgnoreCase) && first.Contains($"\"{e.Value}\"", StringComparison.Ordinal)) is { Key: not null } level)
        {
            return (level.Key, $"\"{level.Value}\" is no level ({string.Join(", ", Enum.GetNames<Serilog.Events.LogEventLevel>())}) and no switch declared in Serilog:LevelSwitches");
        }

        // Name the key the message is about: the argument an ArgumentException names, else the key whose value the message
        // quotes as a word of its own (an assembly, a level, a path) — an argument before anything else (a type in a theme
        // names its assembly, which Using names too), the longest first, so that "Console" does not stand for
        // "Serilog.Sinks.Console", nor "File" for "retainedFileCountLimit" — else an argument holding a word the message
        // quotes ('Nope' of "Nope::Code, Serilog.Sinks.Console").
        var key = thrown is ArgumentException { ParamName: { Length: > 0 } parameter }
            ? entries.Keys.FirstOrDefault(k => k.EndsWith($":Args:{parameter}", StringComparison.OrdinalIgnoreCase))
            : null;
        var quoted = Quoted().Matches(first).Select(m => m.Groups["word"].Value).ToList();
        var arguments = entries.Where(e => e.Key.Contains(":Args:", StringComparison.OrdinalIgnoreCase)).ToList();
        key ??= Said(arguments, first)
            ?? arguments.Where(e => quoted.Any(word => IsWordIn(word, e.Value))).Select(e => e.Key).FirstOrDefault()
            ?? Said(entries, first);

        // A sink that could not be made (a file sink's folder that cannot be created) is told with its exception: the
        // message without the stack trace, and without what Serilog's File sink puts around it.
        var text = GatewayProgram.OneLine(string.Join('\n', lines.TakeWhile(l => !l.StartsWith("at ", StringComparison.Ordinal))))
            .Replace("System.RuntimeType: ", string.Empty, StringComparison.Ordinal)
            .Replace(" (Final, unspecified events)", string.Empty, StringComparison.Ordinal);
        return (key ?? "Serilog", text);
    }

    private static (string Key, string Problem) Missing(Match missing, string[] lines, IReadOnlyDictionary<string, string> entries)
    {
        var name = missing.Groups["name"].Value;
        var key = entries.Where(e => IsName(e.Key) && string.Equals(e.Value, name, StringComparison.OrdinalIgnoreCase))
            .Select(e => e.Key)
            .OrderBy(k => k.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) ? 0 : 1)
            .FirstOrDefault() ?? "Serilog";
        var candidates = lines.Skip(1).Select(l => CandidateMethod().Match(l)).Where(m => m.Success).Select(m => m.Groups["name"].Value).Distinct().ToList();
        if (name.Length > 0 && candidates.Contains(name, StringComparer.Ordinal)) // Serilog's names are case-sensitive
        {
            // Serilog has the sink but none of its overloads takes the arguments given (a required one is missing).
            var given = missing.Groups["arguments"].Success ? $"the arguments {missing.Groups["arguments"].Value}" : "no arguments";
            var args = key.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) ? key[..^":Name".Length] + ":Args" : key;
            return (args, $"Serilog's \"{name}\" cannot be called with {given} (a required one missing?)");
        }

        var hint = candidates.Count > 0 ? ConfigNames.Hint(name, candidates) : "is its package's assembly in Serilog:Using?";
        return name.Length == 0
            ? (key, $"no name given ({hint})")
            : (key, $"\"{name}\" is nothing Serilog can find in the assemblies it loaded ({hint})");
    }

    // The key of the longest value among these that the message says as a word of its own.
    private static string? Said(IEnumerable<KeyValuePair<string, string>> among, string message) =>
        among.Where(e => e.Value.Length >= 3 && IsWordIn(e.Value, message)).OrderByDescending(e => e.Value.Length).Select(e => e.Key).FirstOrDefault();

    private static bool IsWordIn(string word, string text) => Regex.IsMatch(text, $@"(?<!\w){Regex.Escape(word)}(?!\w)");

    // A word a message quotes: 'Nope', `Cod`, "x".
    [GeneratedRegex(@"['`""](?<word>[^'`""\s]+)['`""]")]
    private static partial Regex Quoted();

    // Where a sink, enricher, filter or destructuring policy is named: "…:Name", or an element of a list of names ("Enrich:0").
    private static bool IsName(string key) =>
        key.EndsWith(":Name", StringComparison.OrdinalIgnoreCase) || char.IsAsciiDigit(key[^1]) && key[(key.LastIndexOf(':') + 1)..].All(char.IsAsciiDigit);

    // "Unable to find a method called File with no supplied arguments. Candidate methods are:", "… called X for supplied
    // arguments: a, b. No candidates found." (Serilog.Settings.Configuration 10). A name may hold dots, or be empty.
    [GeneratedRegex(@"^Unable to find a method called (?<name>.*?)(?: with no supplied arguments| for supplied arguments: (?<arguments>.*?))?\. (?:Candidate methods are:|No candidates found\.)")]
    private static partial Regex MissingMethod();

    // "Serilog.LoggerConfiguration Console(Serilog.Configuration.LoggerSinkConfiguration, ...)" for a name it does not know,
    // "File(path, restrictedToMinimumLevel, ...)" for one whose arguments match none of its forms.
    [GeneratedRegex(@"^(?:\S+ )?(?<name>\w+)\(")]
    private static partial Regex CandidateMethod();
}
