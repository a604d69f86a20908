using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LinkGateway.NetworkFeeds;

/// <summary>
/// Rewrites a network signature file with new entries and date, keeping every other key as it was and where it was. Entries
/// are written one per line, as the hand-made files are, so a refresh reads as a diff of ranges.
/// </summary>
public static class NetworkFileText
{
    private static readonly JsonSerializerOptions _compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Rewrite(JsonObject file, IReadOnlyList<IPNetwork> networks, DateOnly taken)
    {
        // One name shared by every entry (google.json's "Google") stays on the new entries; per-entry sources and dates do not,
        // since the file's own source and date now describe every entry.
        var names = (file["entries"] as JsonArray ?? []).Select(e => (string?)e?["name"]).Distinct().ToList();
        var name = names is [{ } only] ? only : null;

        // Every key in its place; "taken" and "entries" added when missing, the date before the entries it dates.
        var keys = file.Select(p => p.Key).ToList();
        if (!keys.Contains("entries"))
        {
            keys.Add("entries");
        }

        if (!keys.Contains("taken"))
        {
            keys.Insert(keys.IndexOf("entries"), "taken");
        }

        var text = new StringBuilder("{\n");
        for (var i = 0; i < keys.Count; i++)
        {
            text.Append("  ").Append(JsonSerializer.Serialize(keys[i], _compact)).Append(": ");
            switch (keys[i])
            {
                case "taken": text.Append(Quoted(taken)); break;
                case "entries": Entries(networks, name, text); break;
                default: Value(file[keys[i]], text); break;
            }

            text.Append(i + 1 < keys.Count ? ",\n" : "\n");
        }

        return text.Append("}\n").ToString();
    }

    private static string Quoted(DateOnly date) => $"\"{date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)}\"";

    private static void Entries(IReadOnlyList<IPNetwork> networks, string? name, StringBuilder text)
    {
        var prefix = name is null ? "{ \"cidr\": " : $"{{ \"name\": {JsonSerializer.Serialize(name, _compact)}, \"cidr\": ";
        text.Append("[\n");
        for (var i = 0; i < networks.Count; i++)
        {
            text.Append("    ").Append(prefix).Append('"').Append(networks[i].ToString()).Append("\" }").Append(i + 1 < networks.Count ? ",\n" : "\n");
        }

        text.Append("  ]");
    }

    /// <summary>Scalars and objects on one line; an array of them one item per line (the "feeds").</summary>
    private static void Value(JsonNode? value, StringBuilder text)
    {
        if (value is JsonArray { Count: > 0 } array)
        {
            text.Append("[\n");
            for (var i = 0; i < array.Count; i++)
            {
                text.Append("    ").Append(OneLine(array[i])).Append(i + 1 < array.Count ? ",\n" : "\n");
            }

            text.Append("  ]");
            return;
        }

        text.Append(OneLine(value));
    }

    private static string OneLine(JsonNode? node) => node is JsonObject obj
        ? "{ " + string.Join(", ", obj.Select(p => $"{JsonSerializer.Serialize(p.Key, _compact)}: {OneLine(p.Value)}")) + " }"
        : node?.ToJsonString(_compact) ?? "null";
}
