using System.Collections.Frozen;
using System.Text;
using System.Text.Json;
using LinkGateway.Contracts;

namespace LinkGateway.Interstitial;

/// <summary>LinkGateway:Brands:{name}: one brand of the interstitial.</summary>
public sealed class BrandOptions
{
    /// <summary>
    /// The brand's template folder, relative to the configuration file's folder: texts.json (or texts.{language}.json),
    /// colours.json, logo.svg or logo.png; every file optional. Required.
    /// </summary>
    public string? Folder { get; set; }
}

/// <summary>The page's colours: #rgb or #rrggbb only, so nothing but a colour reaches the page's style sheet.</summary>
public sealed record BrandColours(string Background, string Panel, string Border, string Text, string Accent, string AccentText)
{
    public static BrandColours Default { get; } = new("#f6f8fa", "#fff", "#d0d7de", "#1f2328", "#0969da", "#fff");

    /// <summary>The keys of colours.json.</summary>
    public static readonly IReadOnlyList<string> Keys = ["background", "panel", "border", "text", "accent", "accent-text"];

    public static bool IsColour(string value) =>
        value.Length is 4 or 7 && value[0] == '#' && value.Skip(1).All(char.IsAsciiHexDigit);
}

/// <summary>
/// A brand as the interstitial uses it: words per language (the built-in ones where the brand says nothing), colours, and
/// a logo inlined as a data: URI, so the page still loads nothing from anywhere. Everything from the folder is text or an
/// image: the page HTML-encodes every word, and takes nothing else from it.
/// </summary>
public sealed class PageBrand
{
    /// <summary>Largest logo file: it is inlined into every page it shows on.</summary>
    public const int MaxLogoBytes = 32 * 1024;

    /// <summary>Longest text a brand may set: a title or a sentence, not a document.</summary>
    public const int MaxTextLength = 500;

    private readonly FrozenDictionary<string, FrozenDictionary<string, string>> _texts;

    private PageBrand(string name, FrozenDictionary<string, FrozenDictionary<string, string>> texts, BrandColours colours, string? logoDataUri)
    {
        Name = name;
        _texts = texts;
        Colours = colours;
        LogoDataUri = logoDataUri;
        Languages = [.. PageTexts.BuiltIn.Keys.Union(texts.Keys, StringComparer.OrdinalIgnoreCase).Select(l => l.ToLowerInvariant()).Distinct()];
    }

    /// <summary>The built-in page: no logo, the built-in words and colours.</summary>
    public static PageBrand Default { get; } = new("default", FrozenDictionary<string, FrozenDictionary<string, string>>.Empty, BrandColours.Default, null);

    public string Name { get; }

    public BrandColours Colours { get; }

    /// <summary>data:image/svg+xml or data:image/png, base64; null without a logo.</summary>
    public string? LogoDataUri { get; }

    /// <summary>The languages the page can be shown in: the built-in ones and the brand's.</summary>
    public IReadOnlyList<string> Languages { get; }

    /// <summary>
    /// The word for <paramref name="key"/> in <paramref name="language"/>: the brand's, else the built-in one in that language, else
    /// the brand's English, else the built-in English.
    /// </summary>
    public string Text(string language, string key) =>
        Lookup(_texts, language, key) ?? Lookup(PageTexts.BuiltIn, language, key) ?? Lookup(_texts, PageTexts.DefaultLanguage, key)
        ?? PageTexts.BuiltIn[PageTexts.DefaultLanguage][key];

    private static string? Lookup(FrozenDictionary<string, FrozenDictionary<string, string>> texts, string language, string key) =>
        texts.TryGetValue(language, out var words) && words.TryGetValue(key, out var word) ? word : null;

    /// <summary>Reads a brand's folder; null with every problem added to <paramref name="errors"/>, each naming the key.</summary>
    public static PageBrand? Load(string name, BrandOptions options, string configDirectory, List<string> errors)
    {
        var key = $"LinkGateway:Brands:{name}";
        var before = errors.Count;
        if (!RoutePolicy.IsBrandName(name))
        {
            errors.Add($"{key}: \"{name}\" is not a brand name (letters, digits, '-' and '_', up to 64)");
            return null;
        }

        if (string.IsNullOrWhiteSpace(options.Folder))
        {
            errors.Add($"{key}:Folder: missing: the brand's template folder (texts.json, colours.json, logo.svg or logo.png)");
            return null;
        }

        var folder = Path.GetFullPath(options.Folder, configDirectory);
        key += ":Folder";
        if (!Directory.Exists(folder))
        {
            errors.Add($"{key}: the folder {folder} does not exist");
            return null;
        }

        var texts = ReadTexts(folder, key, errors);
        var colours = ReadColours(folder, key, errors);
        var logo = ReadLogo(folder, key, errors);
        return errors.Count > before ? null : new PageBrand(name, texts, colours, logo);
    }

    private static FrozenDictionary<string, FrozenDictionary<string, string>> ReadTexts(string folder, string key, List<string> errors)
    {
        var languages = new Dictionary<string, Dictionary<string, string>>(StringComparer.OrdinalIgnoreCase);
        var shared = Path.Combine(folder, "texts.json");
        if (ReadJson(shared, key, errors) is { } all)
        {
            if (all.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{key}: texts.json: expects an object of languages, e.g. {{\"en\": {{\"unsubscribe\": {{\"title\": \"…\"}}}}}}");
            }
            else
            {
                foreach (var language in all.EnumerateObject())
                {
                    ReadLanguage(language.Name, language.Value, "texts.json", key, languages, errors);
                }
            }
        }

        foreach (var file in Directory.EnumerateFiles(folder, "texts.*.json").Order(StringComparer.Ordinal))
        {
            var fileName = Path.GetFileName(file);
            var language = fileName["texts.".Length..^".json".Length];
            if (ReadJson(file, key, errors) is { } words)
            {
                ReadLanguage(language, words, fileName, key, languages, errors);
            }
        }

        return languages.ToFrozenDictionary(l => l.Key, l => l.Value.ToFrozenDictionary(StringComparer.Ordinal), StringComparer.OrdinalIgnoreCase);
    }

    private static void ReadLanguage(string language, JsonElement words, string file, string key, Dictionary<string, Dictionary<string, string>> languages, List<string> errors)
    {
        if (language.Length is < 2 or > 8 || !language.All(char.IsAsciiLetterLower))
        {
            errors.Add($"{key}: {file}: \"{language}\" is not a language (a lower-case primary tag such as en, de, pt)");
            return;
        }

        if (words.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{key}: {file}: {language}: expects an object of pages (unsubscribe, confirm, continue, unsubscribe-done, confirm-done)");
            return;
        }

        var texts = languages.TryGetValue(language, out var known) ? known : languages[language] = new(StringComparer.Ordinal);
        foreach (var page in words.EnumerateObject())
        {
            if (page.Value.ValueKind != JsonValueKind.Object)
            {
                errors.Add($"{key}: {file}: {language}.{page.Name}: expects an object such as {{\"title\": \"…\", \"text\": \"…\"}}");
                continue;
            }

            foreach (var part in page.Value.EnumerateObject())
            {
                var textKey = $"{page.Name}.{part.Name}";
                if (!PageTexts.Keys.Contains(textKey, StringComparer.Ordinal))
                {
                    errors.Add($"{key}: {file}: {language}.{textKey}: {ConfigNames.UnknownKey(textKey, PageTexts.Keys)}");
                }
                else if (part.Value.ValueKind != JsonValueKind.String || part.Value.GetString() is not { Length: > 0 and <= MaxTextLength } text)
                {
                    errors.Add($"{key}: {file}: {language}.{textKey}: expects text of 1 to {MaxTextLength} characters (plain text: it is HTML-encoded)");
                }
                else
                {
                    texts[textKey] = text;
                }
            }
        }
    }

    private static BrandColours ReadColours(string folder, string key, List<string> errors)
    {
        var colours = BrandColours.Default;
        if (ReadJson(Path.Combine(folder, "colours.json"), key, errors) is not { } json)
        {
            return colours;
        }

        if (json.ValueKind != JsonValueKind.Object)
        {
            errors.Add($"{key}: colours.json: expects an object such as {{\"accent\": \"#0969da\"}}");
            return colours;
        }

        foreach (var colour in json.EnumerateObject())
        {
            var value = colour.Value.ValueKind == JsonValueKind.String ? colour.Value.GetString()! : colour.Value.GetRawText();
            if (!BrandColours.Keys.Contains(colour.Name, StringComparer.Ordinal))
            {
                errors.Add($"{key}: colours.json: {colour.Name}: {ConfigNames.UnknownKey(colour.Name, BrandColours.Keys)}");
            }
            else if (!BrandColours.IsColour(value))
            {
                errors.Add($"{key}: colours.json: {colour.Name}: \"{value}\" is not a colour (#rgb or #rrggbb only)");
            }
            else
            {
                colours = colour.Name switch
                {
                    "background" => colours with { Background = value },
                    "panel" => colours with { Panel = value },
                    "border" => colours with { Border = value },
                    "text" => colours with { Text = value },
                    "accent" => colours with { Accent = value },
                    _ => colours with { AccentText = value },
                };
            }
        }

        return colours;
    }

    private static string? ReadLogo(string folder, string key, List<string> errors)
    {
        var candidates = new[] { ("logo.svg", "image/svg+xml"), ("logo.png", "image/png") }.Where(c => File.Exists(Path.Combine(folder, c.Item1))).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        if (candidates.Count > 1)
        {
            errors.Add($"{key}: logo.svg and logo.png: keep one");
            return null;
        }

        var (file, type) = candidates[0];
        var path = Path.Combine(folder, file);
        if (new FileInfo(path).Length > MaxLogoBytes)
        {
            errors.Add($"{key}: {file}: {new FileInfo(path).Length} bytes, more than {MaxLogoBytes} (it is inlined into every page it shows on)");
            return null;
        }

        var bytes = File.ReadAllBytes(path);
        var looksRight = type == "image/png"
            ? bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A])
            : Encoding.UTF8.GetString(bytes).Contains("<svg", StringComparison.Ordinal);
        if (!looksRight)
        {
            errors.Add($"{key}: {file}: not a {(type == "image/png" ? "PNG" : "SVG")} image");
            return null;
        }

        return $"data:{type};base64,{Convert.ToBase64String(bytes)}";
    }

    private static JsonElement? ReadJson(string path, string key, List<string> errors)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            return document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            errors.Add($"{key}: {Path.GetFileName(path)}: not valid JSON ({e.Message})");
            return null;
        }
    }
}
