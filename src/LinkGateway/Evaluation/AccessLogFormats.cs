using LinkGateway.Hosting;

namespace LinkGateway.Evaluation;

/// <summary>The formats <c>evaluate</c> reads, by name, and the sniffing that picks one when <c>--format</c> is absent.</summary>
public static class AccessLogFormats
{
    /// <summary>Every name, in the order detection prefers them when two read a sample equally well.</summary>
    public static readonly string[] Names = ["w3c", "alb", "cloudflare", "json", "nginx-json", "nginx-combined", "apache-combined"];

    /// <summary>The JSON formats, the ones <c>--fields</c> applies to.</summary>
    public static readonly string[] JsonNames = ["cloudflare", "json", "nginx-json"];

    /// <summary>How many non-empty lines detection reads.</summary>
    public const int SampleLines = 20;

    /// <summary>A new reader of the named format, with a field mapping for the JSON ones; an unknown name stops the command (exit code 2).</summary>
    public static IAccessLogFormat Create(string name, string? fieldMapping = null)
    {
        if (fieldMapping is not null && !JsonNames.Contains(name))
        {
            throw FieldsNotApplicable(name);
        }

        return name switch
        {
            "nginx-combined" or "apache-combined" => new CombinedLogFormat(name),
            "alb" => new AlbLogFormat(),
            "w3c" => new W3cLogFormat(),
            "json" => new JsonLogFormat(name, Fields(JsonLogFields.LinkGateway, fieldMapping)),
            "nginx-json" => new JsonLogFormat(name, Fields(JsonLogFields.Nginx, fieldMapping)),
            "cloudflare" => new JsonLogFormat(name, Fields(JsonLogFields.Cloudflare, fieldMapping)),
            _ => throw new GatewayConfigurationException([$"--format: unknown format \"{name}\" (one of {string.Join(", ", Names)})"]),
        };
    }

    /// <summary>
    /// The format that reads most of the sample (the first non-empty lines), or null with why none does. Combined logs of
    /// nginx and Apache are the same format and reported as <c>nginx-combined</c>; with a field mapping, it is <c>nginx-json</c>.
    /// </summary>
    public static IAccessLogFormat? Detect(IReadOnlyList<(long Number, string Text)> sample, string? fieldMapping, out string? refusal)
    {
        refusal = null;
        // A field mapping is written for one's own nginx JSON layout; it would let the other JSON formats read the lines too.
        var candidates = fieldMapping is null ? Names.Where(n => n != "apache-combined") : ["nginx-json"];
        var best = candidates
            .Select(name => (Format: Create(name, fieldMapping), Name: name))
            .Select(c => (c.Format, Read: sample.Count(line => c.Format.Read(line.Text, line.Number, out _) is not null)))
            .Where(c => c.Read > 0)
            .OrderByDescending(c => c.Read) // stable: of equals, the earlier name
            .FirstOrDefault();
        if (best.Format is not null)
        {
            // The reading above moved a W3C reader past the sample's directives; the caller reads the sample again.
            return Create(best.Format.Name, fieldMapping);
        }

        if (sample.Count == 0)
        {
            refusal = "no line to read";
            return null;
        }

        var first = sample[0];
        if (fieldMapping is not null)
        {
            // A text log given a field mapping is a wrong command line, said as it is with --format: not a JSON reader's "bad JSON".
            if (Detect(sample, fieldMapping: null, out _) is { } text && !JsonNames.Contains(text.Name))
            {
                throw FieldsNotApplicable(text.Name);
            }

            Create("nginx-json", fieldMapping).Read(first.Text, first.Number, out var why);
            refusal = $"no line of the first {sample.Count} reads as nginx-json with --fields {fieldMapping} (line {first.Number}: {why ?? "no request"})";
            return null;
        }

        refusal = JsonLogFormat.Keys(first.Text) is { } keys
                ? $"JSON lines whose keys name no known layout ({string.Join(", ", keys.Take(12))}): pass --format nginx-json --fields time=KEY,address=KEY,uri=KEY,ua=KEY"
                : $"no known log format in the first {sample.Count} lines (line {first.Number}: \"{Shorten(first.Text)}\"): pass --format ({string.Join(", ", Names)})";
        return null;
    }

    private static GatewayConfigurationException FieldsNotApplicable(string name) =>
        new([$"--fields: applies to the JSON formats ({string.Join(", ", JsonNames)}), not to {name}"]);

    private static JsonLogFields Fields(JsonLogFields defaults, string? mapping) => mapping is null ? defaults : defaults.With(mapping);

    public static string Shorten(string text) => text.Length <= 80 ? text : text[..77] + "...";
}
