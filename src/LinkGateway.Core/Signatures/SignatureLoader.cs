using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

using LinkGateway.Fingerprinting;

namespace LinkGateway.Signatures;

/// <summary>
/// Reads the signature data files (one JSON file per family; docs/reference/signatures.md) and
/// compiles them into a <see cref="SignatureSet"/>. It collects every problem before it fails, and
/// names the file and entry of each, so one start-up shows an operator everything to fix.
/// </summary>
public static class SignatureLoader
{
    private static readonly JsonSerializerOptions _json = new()
    {
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    public static SignatureSet LoadDirectory(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new SignatureLoadException([$"{directory}: signature directory not found"]);
        }

        var files = Directory.GetFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToArray();
        return Load(files.Select(f => (Path.GetRelativePath(directory, f), File.ReadAllText(f))));
    }

    /// <summary>Compiles files given as (name, JSON text); the name only appears in error messages.</summary>
    public static SignatureSet Load(IEnumerable<(string Name, string Json)> files)
    {
        var errors = new List<string>();
        var userAgents = new List<(ClientCategory, string)>();
        var requestedWith = new List<(ClientCategory, string)>();
        var networks = new List<(IPNetwork, NetworkInfo)>();
        var tls = new TlsLists([], []);
        var networkLists = new List<NetworkList>();
        using var digest = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        foreach (var (name, json) in files)
        {
            digest.AppendData(Encoding.UTF8.GetBytes(name + "\n" + json + "\n"));
            SignatureFile? file;
            try
            {
                file = JsonSerializer.Deserialize<SignatureFile>(json, _json);
            }
            catch (JsonException e)
            {
                errors.Add($"{name}: not a valid signature file: {e.Message}");
                continue;
            }

            if (file is null)
            {
                errors.Add($"{name}: empty file");
                continue;
            }

            Compile(name, file, errors, userAgents, requestedWith, networks, tls, networkLists);
        }

        if (errors.Count > 0)
        {
            throw new SignatureLoadException(errors);
        }

        var version = Convert.ToHexStringLower(digest.GetHashAndReset())[..12];
        return new SignatureSet(new UserAgentSignatures(userAgents), new UserAgentSignatures(requestedWith), NetworkRangeSet.Build(networks, info => info.Category.Precedence()),
            new TlsSignatures(tls.ToolJa4s, tls.ChromiumCipherHashes), version, networkLists);
    }

    private static void Compile(string name, SignatureFile file, List<string> errors,
        List<(ClientCategory, string)> userAgents, List<(ClientCategory, string)> requestedWith, List<(IPNetwork, NetworkInfo)> networks, TlsLists tls,
        List<NetworkList> networkLists)
    {
        if (string.IsNullOrWhiteSpace(file.Family))
        {
            errors.Add($"{name}: \"family\" is missing");
        }

        if (file.Entries is not { Count: > 0 })
        {
            errors.Add($"{name}: \"entries\" is missing or empty");
            return;
        }

        var kind = file.Kind?.ToLowerInvariant();
        if (kind is not ("user-agent" or "requested-with" or "network" or "tls-client" or "tls-browser"))
        {
            errors.Add($"{name}: \"kind\" must be user-agent, requested-with, network, tls-client or tls-browser (found \"{file.Kind}\")");
            return;
        }

        NetworkInfo? networkInfo = null;
        var clientCategory = ClientCategory.None;
        if (kind == "network")
        {
            networkInfo = ReadNetworkInfo(name, file, errors);
            CheckFeeds(name, file, errors);
        }
        else if (file.Feeds is not null || file.NoFeed is not null)
        {
            errors.Add($"{name}: \"feeds\" and \"noFeed\" belong to network files only");
        }
        else if (kind == "tls-browser")
        {
            if (!string.Equals(file.Family, "chromium", StringComparison.Ordinal))
            {
                errors.Add($"{name}: a tls-browser file describes the family \"chromium\" (found \"{file.Family}\")");
            }
        }
        else if (!TryParseClientCategory(file.Category, out clientCategory))
        {
            errors.Add($"{name}: \"category\" must be one of mail-client, image-proxy, machine-open, scanner, headless, library, person-app, crawler (found \"{file.Category}\")");
        }

        // The file's source and date are read once: a first-party list has tens of thousands of entries that share them.
        var fileSourceIsPublic = IsPublicSource(file.Source);
        var fileTaken = ParseTaken(file.Taken);
        var oldest = DateOnly.MaxValue;
        for (var i = 0; i < file.Entries.Count; i++)
        {
            var entry = file.Entries[i];
            // Written out only for an error message.
            string where = null!;
            string Where() => where ??= $"{name}: entries[{i}]" + (entry.Name is null ? string.Empty : $" \"{entry.Name}\"");
            if (!(entry.Source is null ? fileSourceIsPublic : IsPublicSource(entry.Source)))
            {
                errors.Add($"{Where()}: needs \"source\", the http(s) address of the public document it was taken from (on the entry or the file)");
            }

            if ((entry.Taken is null ? fileTaken : ParseTaken(entry.Taken)) is not { } taken)
            {
                errors.Add($"{Where()}: needs \"taken\", the date it was taken from its source, as yyyy-MM-dd (on the entry or the file)");
            }
            else if (taken < oldest)
            {
                oldest = taken;
            }

            switch (kind)
            {
                case "tls-client":
                    Collect(entry.Ja4, Ja4.IsFingerprint, tls.ToolJa4s, errors,
                        $"{Where()}: \"ja4\" is not a JA4 fingerprint: \"{entry.Ja4}\" (expected e.g. t13d1516h2_8daaf6152771_d8a2da3f94cd)");
                    continue;
                case "tls-browser":
                    Collect(entry.Ja4Ciphers, IsHash12, tls.ChromiumCipherHashes, errors,
                        $"{Where()}: \"ja4Ciphers\" is not a JA4 cipher hash: \"{entry.Ja4Ciphers}\" (expected 12 lowercase hex digits)");
                    continue;
            }

            if (kind == "network")
            {
                if (!NetworkText.TryParse(entry.Cidr, out var network))
                {
                    errors.Add($"{Where()}: \"cidr\" is not a valid network: \"{entry.Cidr}\" (expected e.g. 192.0.2.0/24 or 2001:db8::/32, with no host bits set)");
                }
                else if (networkInfo is not null)
                {
                    networks.Add((network, networkInfo));
                }

                continue;
            }

            if (string.IsNullOrEmpty(entry.Pattern))
            {
                errors.Add($"{Where()}: \"pattern\" is missing");
            }
            else if (UserAgentSignatures.Check(entry.Pattern) is { } problem)
            {
                errors.Add($"{Where()}: \"pattern\" does not compile: {problem}");
            }
            else
            {
                (kind == "user-agent" ? userAgents : requestedWith).Add((clientCategory, entry.Pattern));
            }
        }

        if (networkInfo is not null && oldest != DateOnly.MaxValue)
        {
            networkLists.Add(new NetworkList(name, networkInfo.Family, networkInfo.Category, oldest, file.Entries.Count, file.Source));
        }
    }

    /// <summary>A network file's feeds are what refresh-networks fetches (docs/reference/signatures.md#refreshing-network-lists).</summary>
    private static void CheckFeeds(string name, SignatureFile file, List<string> errors)
    {
        if (file.Feeds is null)
        {
            return;
        }

        if (file.Feeds.Count == 0)
        {
            errors.Add($"{name}: \"feeds\" is empty (leave it out, and say why in \"noFeed\", when the provider publishes no machine-readable feed)");
        }

        for (var i = 0; i < file.Feeds.Count; i++)
        {
            if (!IsPublicSource(file.Feeds[i].Url))
            {
                errors.Add($"{name}: feeds[{i}]: \"url\" must be the http(s) address of the provider's feed (found \"{file.Feeds[i].Url}\")");
            }
        }
    }

    private static NetworkInfo? ReadNetworkInfo(string name, SignatureFile file, List<string> errors)
    {
        var known = NetworkCategories.Names.FirstOrDefault(n => string.Equals(n.Name, file.Category, StringComparison.OrdinalIgnoreCase));
        if (known.Name is null)
        {
            errors.Add($"{name}: \"category\" of a network file must be one of {string.Join(", ", NetworkCategories.Names.Select(n => n.Name))} (found \"{file.Category}\")");
            return null;
        }

        var category = known.Category;

        var scope = NetworkScope.All;
        switch (file.Scope?.ToLowerInvariant())
        {
            case null or "all": break;
            case "clicks": scope = NetworkScope.Clicks; break;
            default:
                errors.Add($"{name}: \"scope\" must be clicks or all (found \"{file.Scope}\")");
                return null;
        }

        var certainty = Certainty.Certain;
        switch (file.Certainty?.ToLowerInvariant())
        {
            case null or "certain": break;
            case "probable": certainty = Certainty.Probable; break;
            default:
                errors.Add($"{name}: \"certainty\" must be certain or probable (found \"{file.Certainty}\")");
                return null;
        }

        System.Text.RegularExpressions.Regex? imageProxy = null;
        if (file.ImageProxy is { } pattern)
        {
            if (UserAgentSignatures.Check(pattern) is { } problem)
            {
                errors.Add($"{name}: \"imageProxy\" does not compile: {problem}");
                return null;
            }

            imageProxy = new System.Text.RegularExpressions.Regex(pattern, UserAgentSignatures.Options);
        }

        return new NetworkInfo(file.Family ?? name, category, scope, certainty, imageProxy);
    }

    private static bool TryParseClientCategory(string? value, out ClientCategory category)
    {
        category = value?.ToLowerInvariant() switch
        {
            "mail-client" => ClientCategory.MailClient,
            "image-proxy" => ClientCategory.ImageProxy,
            "machine-open" => ClientCategory.MachineOpen,
            "scanner" => ClientCategory.Scanner,
            "headless" => ClientCategory.Headless,
            "library" => ClientCategory.Library,
            "crawler" => ClientCategory.Crawler,
            "person-app" => ClientCategory.PersonApp,
            _ => ClientCategory.None,
        };
        return category != ClientCategory.None;
    }

    /// <summary>Adds a value that passes its check, or reports the problem.</summary>
    private static void Collect(string? value, Func<string?, bool> valid, List<string> into, List<string> errors, string problem)
    {
        if (valid(value))
        {
            into.Add(value!);
        }
        else
        {
            errors.Add(problem);
        }
    }

    internal static bool IsHash12(string? text) => text is { Length: 12 } && text.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static DateOnly? ParseTaken(string? text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out var taken) ? taken : null;

    private static bool IsPublicSource(string? source) =>
        Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp);

    private sealed class SignatureFile
    {
        public string? Family { get; set; }
        public string? Kind { get; set; }
        public string? Category { get; set; }
        public string? Scope { get; set; }
        public string? Certainty { get; set; }
        public string? Source { get; set; }
        public string? Taken { get; set; }
        public string? Description { get; set; }
        /// <summary>Networks only: the User-Agent pattern of the mailbox image proxy that fetches from them.</summary>
        public string? ImageProxy { get; set; }
        public List<SignatureEntry>? Entries { get; set; }
        /// <summary>Networks only: the provider's machine-readable feeds, which refresh-networks fetches to rewrite the entries.</summary>
        public List<NetworkFeed>? Feeds { get; set; }
        /// <summary>Networks only: why the list cannot be refreshed from a feed, and how to refresh it instead.</summary>
        public string? NoFeed { get; set; }
    }

    private sealed class NetworkFeed
    {
        public string? Url { get; set; }
        /// <summary>Take only the values of JSON properties of this name (e.g. ExitIP), not every address in the body.</summary>
        public string? Field { get; set; }
    }

    private sealed class SignatureEntry
    {
        public string? Name { get; set; }
        public string? Pattern { get; set; }
        public string? Cidr { get; set; }
        public string? Ja4 { get; set; }
        public string? Ja4Ciphers { get; set; }
        public string? Source { get; set; }
        public string? Taken { get; set; }
        public string? Note { get; set; }
    }
}

/// <summary>The TLS entries of all files, gathered while loading.</summary>
internal sealed record TlsLists(List<string> ToolJa4s, List<string> ChromiumCipherHashes);

/// <summary>The signature files could not be compiled; <see cref="Errors"/> names each problem.</summary>
public sealed class SignatureLoadException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
