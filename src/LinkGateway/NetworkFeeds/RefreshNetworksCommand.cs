using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using LinkGateway.Signatures;

namespace LinkGateway.NetworkFeeds;

/// <summary>
/// <c>refresh-networks [--dir DIR] [--only FAMILY[,FAMILY…]] [--from DIR --taken yyyy-MM-dd]</c>: rewrites the entries and the
/// date of each network signature file from the feeds it names (its <c>"feeds"</c>), or, with <c>--from</c>, from a folder of
/// merged lists laid out as <c>DIR/&lt;family&gt;/ipv4_merged.txt</c> and <c>ipv6_merged.txt</c> (how the shipped files were
/// made). Everything else in a file stays. A file is only rewritten when all its feeds answered and together yielded networks
/// that make a valid file: a failure never empties or half-fills a list, it is reported and the file kept. A file with no
/// machine-readable feed says why in <c>"noFeed"</c>, which is printed. Exit code 0 when nothing failed, 1 when a feed did,
/// 2 for a usage error (one line on standard error). The running gateway reloads the rewritten files by itself.
/// </summary>
public static class RefreshNetworksCommand
{
    public const string Usage = "usage: refresh-networks [--dir DIR] [--only FAMILY[,FAMILY...]] [--from DIR --taken yyyy-MM-dd]";

    /// <summary>Where the shipped network files are, from the repository's root.</summary>
    public const string DefaultDirectory = "config/signatures/networks";

    /// <summary>The largest feed body read (Apple's Private Relay CSV is the largest today, about 15 MB).</summary>
    public const long MaxFeedBytes = 256L << 20;

    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, HttpClient? http = null, TimeProvider? time = null)
    {
        try
        {
            return await RefreshAsync(args, output, error, http, time ?? TimeProvider.System);
        }
        catch (UsageException e)
        {
            await error.WriteLineAsync($"refresh-networks: {e.Message}");
            return UsageException.ExitCode;
        }
    }

    /// <summary>A wrong command line or folder: said in one line, exit code 2 (as a configuration error of the gateway).</summary>
    private sealed class UsageException(string message) : Exception(message)
    {
        public const int ExitCode = 2;
    }

    private static async Task<int> RefreshAsync(string[] args, TextWriter output, TextWriter error, HttpClient? http, TimeProvider time)
    {
        // The repository's folder wherever inside it the command starts; an explicit --dir is taken as given.
        var directory = LinkGateway.Contracts.WorkingTree.FindUpwards(DefaultDirectory) ?? DefaultDirectory;
        string? from = null, takenText = null;
        HashSet<string>? only = null;
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new UsageException($"{args[i]}: needs a value ({Usage})");
            switch (args[i])
            {
                case "--dir": directory = Next(); break;
                case "--from": from = Next(); break;
                case "--taken": takenText = Next(); break;
                case "--only": only = [.. Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)]; break;
                default: throw new UsageException($"{args[i]}: unknown argument ({Usage})");
            }
        }

        var taken = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        if (from is not null)
        {
            // A folder of lists does not say when its lists were taken; today's date would make an old copy look fresh.
            if (takenText is null || !DateOnly.TryParseExact(takenText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out taken))
            {
                throw new UsageException($"--taken: with --from, the date the lists were taken from their providers is needed, as yyyy-MM-dd (found \"{takenText}\")");
            }

            if (!Directory.Exists(from))
            {
                throw new UsageException($"--from: folder not found: {Path.GetFullPath(from)}");
            }
        }
        else if (takenText is not null)
        {
            throw new UsageException("--taken: only with --from (a list fetched from its feeds is dated today)");
        }

        if (!Directory.Exists(directory))
        {
            throw new UsageException($"--dir: folder not found: {Path.GetFullPath(directory)} ({Usage})");
        }

        var files = NetworkFiles(directory);
        if (only is not null && only.Except(files.Select(f => f.Family)).ToList() is { Count: > 0 } unknown)
        {
            throw new UsageException($"--only: no network file of family {string.Join(", ", unknown)} in {Path.GetFullPath(directory)} (families: {string.Join(", ", files.Select(f => f.Family))})");
        }

        var ownClient = http is null;
        http ??= new HttpClient { Timeout = TimeSpan.FromSeconds(60), MaxResponseContentBufferSize = MaxFeedBytes };
        try
        {
            var failed = 0;
            foreach (var file in files.Where(f => only is null || only.Contains(f.Family)))
            {
                var reading = from is not null ? ReadFolder(from, file) : await FetchFeedsAsync(http, file);
                var line = reading.Problem is null ? Write(file, reading, taken) : $"kept: {reading.Problem}";
                failed += line.StartsWith("kept:", StringComparison.Ordinal) ? 1 : 0;
                await output.WriteLineAsync($"{file.Name}: {line}");
            }

            if (failed > 0)
            {
                await error.WriteLineAsync($"refresh-networks: {failed} file(s) kept as they were, see above");
            }

            return failed > 0 ? 1 : 0;
        }
        finally
        {
            if (ownClient)
            {
                http.Dispose();
            }
        }
    }

    private sealed record NetworkFile(string Path, string Name, string Family, JsonObject Json);

    /// <summary>What a file's sources yielded, or why it is kept (a problem) or left alone by design (a skip).</summary>
    private sealed record Reading(List<IPNetwork> Networks, int Refused, List<string> RefusedExamples, string? Problem, string? Skip = null)
    {
        public static Reading Kept(string problem) => new([], 0, [], problem);

        public static Reading Skipped(string why) => new([], 0, [], null, why);

        public void Add(FeedReading feed)
        {
            Networks.AddRange(feed.Networks);
            RefusedExamples.AddRange(feed.RefusedExamples.Take(5 - RefusedExamples.Count));
        }
    }

    private static List<NetworkFile> NetworkFiles(string directory)
    {
        var files = new List<NetworkFile>();
        foreach (var path in Directory.GetFiles(directory, "*.json", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var name = Path.GetRelativePath(directory, path);
            JsonObject json;
            try
            {
                json = JsonNode.Parse(File.ReadAllText(path), documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }) as JsonObject
                    ?? throw new JsonException("not a JSON object");
            }
            catch (JsonException e)
            {
                throw new UsageException($"{name}: not a valid signature file: {e.Message}");
            }

            if (string.Equals((string?)json["kind"], "network", StringComparison.OrdinalIgnoreCase) && (string?)json["family"] is { } family)
            {
                files.Add(new NetworkFile(path, name, family, json));
            }
        }

        return files;
    }

    private static Reading ReadFolder(string from, NetworkFile file)
    {
        var folder = Path.Combine(from, file.Family);
        var lists = new[] { "ipv4_merged.txt", "ipv6_merged.txt" }.Select(list => Path.Combine(folder, list)).Where(File.Exists).ToList();
        if (lists.Count == 0)
        {
            return Reading.Skipped($"no {Path.Combine(from, file.Family, "ipv4_merged.txt")} or ipv6_merged.txt");
        }

        var reading = new Reading([], 0, [], null);
        foreach (var list in lists)
        {
            var feed = FeedAddresses.Read(File.ReadAllText(list), field: null);
            reading.Add(feed);
            reading = reading with { Refused = reading.Refused + feed.Refused };
        }

        return reading.Networks.Count == 0 ? Reading.Kept($"{folder} yielded no network") : reading;
    }

    private static async Task<Reading> FetchFeedsAsync(HttpClient http, NetworkFile file)
    {
        if (file.Json["feeds"] is not JsonArray { Count: > 0 } feeds)
        {
            return Reading.Skipped((string?)file.Json["noFeed"] is { } why
                ? $"no feed to fetch: {why}"
                : "names no feeds, so its entries stay as taken by hand");
        }

        var reading = new Reading([], 0, [], null);
        foreach (var feed in feeds)
        {
            var url = (string?)feed?["url"];
            var field = (string?)feed?["field"];
            string body;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.UserAgent.ParseAdd("LinkGateway-refresh-networks/1.0");
                using var response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    return Reading.Kept($"{url} answered {(int)response.StatusCode} {response.ReasonPhrase}");
                }

                body = await response.Content.ReadAsStringAsync();
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
            {
                return Reading.Kept($"{url} failed: {e.Message}");
            }

            FeedReading addresses;
            try
            {
                addresses = FeedAddresses.Read(body, field);
            }
            catch (JsonException e)
            {
                return Reading.Kept($"{url} is not the JSON its \"field\" ({field}) needs: {e.Message}");
            }

            if (addresses.Networks.Count == 0)
            {
                return Reading.Kept($"{url} yielded no network ({addresses.Refused} refused{Examples(addresses.RefusedExamples)})");
            }

            reading.Add(addresses);
            reading = reading with { Refused = reading.Refused + addresses.Refused };
        }

        return reading;
    }

    /// <summary>Rewrites the file, when the new text loads as a signature file; what happened, as one line.</summary>
    private static string Write(NetworkFile file, Reading reading, DateOnly taken)
    {
        if (reading.Skip is { } skip)
        {
            return $"skipped, {skip}";
        }

        var before = (file.Json["entries"] as JsonArray ?? []).Select(e => (string?)e?["cidr"]).OfType<string>().ToHashSet(StringComparer.Ordinal);
        var merged = CidrMerger.Merge(reading.Networks);
        var text = NetworkFileText.Rewrite(file.Json, merged, taken);
        try
        {
            SignatureLoader.Load([(file.Name, text)]);
        }
        catch (SignatureLoadException e)
        {
            return $"kept: the refreshed file would not load: {e.Errors[0]}";
        }

        // Written beside the file and moved over it, so the gateway's watcher never reads half a list.
        var temporary = Path.Combine(Path.GetDirectoryName(file.Path)!, $".{Path.GetFileName(file.Path)}.refresh");
        File.WriteAllText(temporary, text);
        File.Move(temporary, file.Path, overwrite: true);

        var after = merged.Select(n => n.ToString()).ToHashSet(StringComparer.Ordinal);
        var refused = reading.Refused == 0 ? string.Empty : $"; {reading.Refused} refused{Examples(reading.RefusedExamples)}";
        return string.Create(CultureInfo.InvariantCulture,
            $"{merged.Count:N0} ranges ({after.Except(before).Count():N0} new, {before.Except(after).Count():N0} gone), taken {taken:yyyy-MM-dd}{refused}");
    }

    private static string Examples(IReadOnlyList<string> examples) => examples.Count == 0 ? string.Empty : $", e.g. {string.Join("; ", examples)}";
}
