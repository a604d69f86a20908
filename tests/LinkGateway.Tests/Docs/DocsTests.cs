using System.Diagnostics.Metrics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using LinkGateway.Contracts;
using LinkGateway.Hosting;
using LinkGateway.Observability;
using LinkGateway.Signals;
using Microsoft.Extensions.Configuration;

namespace LinkGateway.Docs;

/// <summary>
/// The reference pages against the code they describe: the signal table against <see cref="SignalCatalog"/>, the
/// configuration table against the strict binder (its schema, its defaults, what it says is allowed), the metrics table
/// against the instruments of the LinkGateway meter, and every relative link of the README and docs/ against the files.
/// </summary>
public sealed partial class DocsTests
{
    private const int ReadmeMaxBytes = 10 * 1024;

    private static string Docs(string page) => Path.Combine(RepoFiles.Root, "docs", page);

    [Fact]
    public void EverySignalOfTheCatalog_IsInTheSignalTable_WithItsCodeWeightDirectionAndProvenance()
    {
        var rows = SignalRows();

        Assert.All(SignalCatalog.All, entry =>
        {
            Assert.True(rows.TryGetValue(entry.Code, out var row), $"docs/reference/signals.md: no row for `{entry.Code}`");
            Assert.Equal(entry.DefaultWeight.ToString("0.00", CultureInfo.InvariantCulture), row[1]);
            Assert.Equal(entry.Direction == SignalDirection.Human ? "person" : "automation", row[2]);
            Assert.Equal(entry.Provenance.ToString().ToLowerInvariant() + (entry.Strong ? ", strong" : ""), row[3]);
        });
    }

    [Fact]
    public void TheSignalTable_NamesNoCodeTheCatalogLacks()
    {
        var unknown = SignalRows().Keys.Where(code => !SignalCatalog.TryParse(code, out _)).ToList();

        Assert.True(unknown.Count == 0, $"docs/reference/signals.md names codes SignalCatalog lacks: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void EveryKeyTheBinderAccepts_IsInTheConfigurationReference_WithItsDefaultAndWhatIsAllowed()
    {
        var rows = ConfigurationRows();

        Assert.All(BinderKeys(), key =>
        {
            Assert.True(rows.TryGetValue(key.Name, out var row), $"docs/reference/configuration.md: no row for `{key.Name}`");
            Assert.True(DefaultAsWritten(key.Property, key.Default) == DocumentedDefault(row[1]),
                $"`{key.Name}`: the default is {DefaultAsWritten(key.Property, key.Default) ?? "none"}, the page writes \"{row[1]}\"");
            foreach (var allowed in AllowedAsTheBinderSaysIt(key.Name))
            {
                Assert.True(CodeSpans(row[2]).Contains(allowed), $"`{key.Name}`: the binder allows `{allowed}`, the page writes \"{row[2]}\"");
            }
        });
    }

    [Fact]
    public void EveryKeyInTheConfigurationReference_IsAcceptedByTheBinder_WithItsDocumentedDefault()
    {
        var settings = ConfigurationRows().ToDictionary(
            row => $"{LinkGatewayOptions.SectionName}:{row.Key}", row => (string?)(DocumentedDefault(row.Value[1]) ?? string.Empty));
        var errors = new List<string>();

        OptionsBinder.Bind<LinkGatewayOptions>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(LinkGatewayOptions.SectionName), errors);

        Assert.Empty(errors);
    }

    [Fact]
    public void EveryInstrumentOfTheMeter_IsInTheMetricsReference_InItsPrometheusForm()
    {
        var documented = MetricRows();

        Assert.All(MeterInstruments(), instrument =>
            Assert.True(documented.Contains(PrometheusName(instrument)), $"docs/reference/metrics.md: no row for `{PrometheusName(instrument)}` ({instrument.Name})"));
    }

    [Fact]
    public void TheMetricsReference_NamesNoMetricTheMeterLacks()
    {
        var exported = MeterInstruments().Select(PrometheusName).ToHashSet(StringComparer.Ordinal);

        var unknown = MetricRows().Where(name => !exported.Contains(name)).ToList();

        Assert.True(unknown.Count == 0, $"docs/reference/metrics.md names metrics the LinkGateway meter does not export: {string.Join(", ", unknown)}");
    }

    [Fact]
    public void EveryRelativeLink_InTheReadmeAndTheDocs_PointsAtAFileAndHeadingThatExist()
    {
        var pages = Directory.EnumerateFiles(Path.Combine(RepoFiles.Root, "docs"), "*.md", SearchOption.AllDirectories)
            .Prepend(Path.Combine(RepoFiles.Root, "README.md"));
        var broken = new List<string>();

        foreach (var page in pages)
        {
            foreach (var link in RelativeLinks(page))
            {
                var (file, anchor) = link.IndexOf('#') is var hash and >= 0 ? (link[..hash], link[(hash + 1)..]) : (link, null);
                var target = file.Length == 0 ? page : Path.GetFullPath(Uri.UnescapeDataString(file), Path.GetDirectoryName(page)!);
                var name = Path.GetRelativePath(RepoFiles.Root, page);
                if (!File.Exists(target) && !Directory.Exists(target))
                {
                    broken.Add($"{name}: ({link}) names no file");
                }
                else if (anchor is not null && target.EndsWith(".md", StringComparison.Ordinal) && !HeadingAnchors(target).Contains(anchor))
                {
                    broken.Add($"{name}: ({link}) names no heading of {Path.GetFileName(target)}");
                }
            }
        }

        Assert.True(broken.Count == 0, string.Join(Environment.NewLine, broken));
    }

    [Fact]
    public void TheReadme_IsAtMost10KiB()
    {
        var bytes = new FileInfo(Path.Combine(RepoFiles.Root, "README.md")).Length;

        Assert.True(bytes <= ReadmeMaxBytes, $"README.md is {bytes} bytes; move detail to docs/ (at most {ReadmeMaxBytes})");
    }

    [Theory]
    [InlineData("Threat model", "docs/operations/threat-model.md")]
    [InlineData("Failure modes", "docs/operations/failure-modes.md")]
    public void TheReadme_HasASectionThatLinksToItsPage(string heading, string page)
    {
        var readme = File.ReadAllText(Path.Combine(RepoFiles.Root, "README.md"));
        var section = Regex.Match(readme, $@"^## {heading}\n(?<body>(?:(?!^## ).*\n?)*)", RegexOptions.Multiline);

        Assert.True(section.Success, $"README.md has no section \"## {heading}\"");
        Assert.Contains($"]({page})", section.Groups["body"].Value, StringComparison.Ordinal);
    }

    /// <summary>The signal table's rows by code: code, default weight, direction, provenance, fires when.</summary>
    private static Dictionary<string, IReadOnlyList<string>> SignalRows() =>
        Table(Docs("reference/signals.md"), "code", "default weight", "direction", "provenance", "fires when")
            .ToDictionary(row => CodeSpans(row[0]).Single(), row => row, StringComparer.Ordinal);

    /// <summary>
    /// The configuration table's rows by key, relative to the LinkGateway section: key, default, allowed, meaning. A key
    /// written <c>Weights:{code}</c> stands for the section <c>Weights</c> and its entries.
    /// </summary>
    private static Dictionary<string, IReadOnlyList<string>> ConfigurationRows() =>
        Table(Docs("reference/configuration.md"), "key", "default", "allowed", "meaning")
            .ToDictionary(row => CodeSpans(row[0]).Single().Split(":{")[0], row => row, StringComparer.OrdinalIgnoreCase);

    /// <summary>A default cell's value: the code span it opens with; a cell that opens with words (empty, none: …) documents no default.</summary>
    private static string? DocumentedDefault(string cell) => cell.StartsWith('`') ? CodeSpans(cell)[0] : null;

    /// <summary>The metric names the metrics table lists (first column).</summary>
    private static List<string> MetricRows() =>
        Table(Docs("reference/metrics.md"), "metric", "type", "labels", "what it counts").Select(row => CodeSpans(row[0]).Single()).ToList();

    private sealed record BinderKey(string Name, PropertyInfo Property, object? Default);

    /// <summary>
    /// Every key the strict binder reads below the LinkGateway section, relative to it, with the default of a fresh options
    /// object: the options classes walked as the binder's own tests walk them (a key with keys below it is a section).
    /// </summary>
    private static List<BinderKey> BinderKeys()
    {
        var prefix = LinkGatewayOptions.SectionName + ":";
        var keys = OptionsBinderTests.EveryKey().ToDictionary(row => ((string)row[0])[prefix.Length..], row => (PropertyInfo)row[1]);
        return keys.Where(key => !keys.Keys.Any(other => other.StartsWith(key.Key + ":", StringComparison.Ordinal)))
            .Select(key => new BinderKey(key.Key, key.Value, DefaultOf(key.Key)))
            .ToList();
    }

    private static object? DefaultOf(string key)
    {
        object? value = new LinkGatewayOptions();
        foreach (var name in key.Split(':'))
        {
            value = OptionsBinder.KeysOf(value!.GetType())[name].GetValue(value);
        }

        return value;
    }

    /// <summary>
    /// A default as an operator writes it and the binder reads it: durations in <see cref="Durations.Format"/>'s spelling,
    /// numbers in the invariant culture, enums by their configuration names; null for nothing (null, empty, no entries).
    /// </summary>
    private static string? DefaultAsWritten(PropertyInfo property, object? value) => value switch
    {
        null => null,
        string text => text.Length == 0 ? null : text,
        TimeSpan duration => Durations.Format(duration),
        bool flag => flag ? "true" : "false",
        Enum name => ConfigNames.Of(name),
        System.Collections.ICollection { Count: 0 } => null,
        IFormattable number when property.PropertyType.IsPrimitive => number.ToString(null, CultureInfo.InvariantCulture),
        _ => throw new InvalidOperationException($"{property.Name}: a default of type {value.GetType()} has no written form in this test yet"),
    };

    /// <summary>What the binder says is allowed for a key (its range, or its names), in its own words: it is told a value it cannot read.</summary>
    private static IEnumerable<string> AllowedAsTheBinderSaysIt(string key)
    {
        var errors = new List<string>();
        var settings = new Dictionary<string, string?> { [$"{LinkGatewayOptions.SectionName}:{key}"] = "not-a-value" };
        OptionsBinder.Bind<LinkGatewayOptions>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build().GetSection(LinkGatewayOptions.SectionName), errors);
        return errors.Select(error => AllowedInError().Match(error)).Where(m => m.Success)
            .SelectMany(m => m.Groups["allowed"].Value.Split(", "));
    }

    [GeneratedRegex(@"allowed:? (?<allowed>[^()]+)\)?$")]
    private static partial Regex AllowedInError();

    /// <summary>The instruments of the LinkGateway meter, as a listener sees them published when the gateway's metrics are created.</summary>
    private static List<Instrument> MeterInstruments()
    {
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var factory = services.GetRequiredService<IMeterFactory>();
        var instruments = new List<Instrument>();
        using var listener = new MeterListener
        {
            InstrumentPublished = (instrument, _) =>
            {
                // Scoped to this factory: gateways of other tests create meters of the same name meanwhile.
                if (instrument.Meter.Name == GatewayMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    instruments.Add(instrument);
                }
            },
        };
        listener.Start();

        _ = new GatewayMetrics(factory, TimeProvider.System, Memory.StoreCircuit.AlwaysClosed(TimeProvider.System), new LogQueue());
        _ = new FoldBackHooks.FoldBackWebhookMetrics(factory);

        Assert.NotEmpty(instruments);
        return instruments;
    }

    /// <summary>
    /// The name OpenTelemetry's Prometheus exporter gives an instrument: dots to underscores, the unit appended in words
    /// (annotations such as <c>{request}</c> dropped), and <c>_total</c> on counters.
    /// </summary>
    private static string PrometheusName(Instrument instrument)
    {
        var name = instrument.Name.Replace('.', '_');
        var unit = Regex.Replace(instrument.Unit ?? string.Empty, @"\{[^}]*\}", string.Empty) switch
        {
            "" => "",
            "d" => "days",
            "h" => "hours",
            "min" => "minutes",
            "s" => "seconds",
            "ms" => "milliseconds",
            "By" => "bytes",
            var other => other,
        };
        if (unit.Length > 0 && !name.EndsWith("_" + unit, StringComparison.Ordinal))
        {
            name += "_" + unit;
        }

        var counter = instrument.GetType() is { IsGenericType: true } type
                      && (type.GetGenericTypeDefinition() == typeof(Counter<>) || type.GetGenericTypeDefinition() == typeof(ObservableCounter<>));
        return counter && !name.EndsWith("_total", StringComparison.Ordinal) ? name + "_total" : name;
    }

    /// <summary>
    /// The body rows of the one table in <paramref name="path"/> whose header is exactly <paramref name="header"/>, each as its
    /// cells, trimmed.
    /// </summary>
    private static List<IReadOnlyList<string>> Table(string path, params string[] header)
    {
        var tables = new List<List<IReadOnlyList<string>>>();
        List<IReadOnlyList<string>>? current = null;
        foreach (var line in OutsideCodeBlocks(File.ReadAllLines(path)))
        {
            if (!line.TrimStart().StartsWith('|'))
            {
                current = null;
                continue;
            }

            if (current is null)
            {
                current = [];
                tables.Add(current);
            }

            current.Add(Cells(line));
        }

        var matching = tables.Where(t => t.Count >= 2 && t[0].Select(c => c.ToLowerInvariant()).SequenceEqual(header)).ToList();
        Assert.True(matching.Count == 1, $"{Path.GetRelativePath(RepoFiles.Root, path)}: expected one table headed | {string.Join(" | ", header)} |, found {matching.Count}");
        return matching[0].Skip(2).ToList(); // the header and the |---| line
    }

    /// <summary>A table line's cells: split at every pipe that is not escaped (<c>\|</c>).</summary>
    private static List<string> Cells(string line) => [.. Regex.Split(line.Trim().Trim('|'), @"(?<!\\)\|").Select(c => c.Trim())];

    private static List<string> CodeSpans(string text) => [.. CodeSpan().Matches(text).Select(m => m.Groups[1].Value)];

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    private static IEnumerable<string> OutsideCodeBlocks(IEnumerable<string> lines)
    {
        var inFence = false;
        foreach (var line in lines)
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
            }
            else if (!inFence)
            {
                yield return line;
            }
        }
    }

    /// <summary>The targets of a page's links and images that are not absolute URLs, outside code.</summary>
    private static IEnumerable<string> RelativeLinks(string page) =>
        OutsideCodeBlocks(File.ReadAllLines(page))
            .Select(line => CodeSpan().Replace(line, string.Empty))
            .SelectMany(line => Link().Matches(line).Select(m => m.Groups["target"].Value))
            .Where(target => !Regex.IsMatch(target, "^[a-z][a-z0-9+.-]*:", RegexOptions.IgnoreCase));

    [GeneratedRegex(@"\]\((?<target>[^)\s]+)(?:\s+""[^""]*"")?\)")]
    private static partial Regex Link();

    /// <summary>The anchors GitHub gives a page's headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    private static HashSet<string> HeadingAnchors(string page)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in OutsideCodeBlocks(File.ReadAllLines(page)).Where(l => Regex.IsMatch(l, "^#{1,6} ")))
        {
            var text = line.TrimStart('#').Trim().ToLowerInvariant();
            var slug = new StringBuilder();
            foreach (var c in text.Where(c => char.IsLetterOrDigit(c) || c is ' ' or '-' or '_'))
            {
                slug.Append(c == ' ' ? '-' : c);
            }

            var anchor = slug.ToString();
            for (var n = 1; !anchors.Add(anchor); n++)
            {
                anchor = $"{slug}-{n}";
            }
        }

        return anchors;
    }
}
