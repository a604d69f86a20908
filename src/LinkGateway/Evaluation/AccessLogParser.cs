using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace LinkGateway.Evaluation;

/// <summary>
/// Reads access log lines: the combined log format of Apache and nginx, and JSON lines (one object per
/// line; fields in docs/evaluate.md). A line that is neither is reported, never fatal.
/// </summary>
public static partial class AccessLogParser
{
    /// <summary>The request, or null with the reason the line was refused.</summary>
    public static ReplayRequest? Parse(string line, long number, out string? problem)
    {
        problem = null;
        var trimmed = line.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            problem = "empty line";
            return null;
        }

        return trimmed[0] == '{' ? ParseJson(line, number, out problem) : ParseCombined(line, number, out problem);
    }

    private static ReplayRequest? ParseCombined(string line, long number, out string? problem)
    {
        problem = null;
        var match = CombinedFormat().Match(line);
        if (!match.Success)
        {
            problem = "not combined log format";
            return null;
        }

        if (!DateTimeOffset.TryParseExact(match.Groups["time"].Value, "dd/MMM/yyyy:HH:mm:ss zzz", CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
        {
            problem = $"bad time \"{match.Groups["time"].Value}\"";
            return null;
        }

        var request = match.Groups["request"].Value.Split(' ');
        if (request.Length < 2)
        {
            problem = $"bad request line \"{match.Groups["request"].Value}\"";
            return null;
        }

        var agent = match.Groups["agent"].Success ? match.Groups["agent"].Value : null;
        return new ReplayRequest(number, time, Address(match.Groups["host"].Value), request[0], request[1], agent is "-" ? null : agent);
    }

    private static ReplayRequest? ParseJson(string line, long number, out string? problem)
    {
        problem = null;
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var time = Text(root, "time") is { } timeText
                ? DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed) ? parsed : (DateTimeOffset?)null
                : root.TryGetProperty("time", out var timeNumber) && timeNumber.ValueKind == JsonValueKind.Number
                    ? DateTimeOffset.FromUnixTimeMilliseconds((long)(timeNumber.GetDouble() * 1000))
                    : null;
            var target = Text(root, "url") ?? Text(root, "path");
            if (time is null || target is null)
            {
                problem = "needs \"time\" and \"url\"";
                return null;
            }

            var headersKnown = root.TryGetProperty("accept", out _) || root.TryGetProperty("accept_language", out _) || root.TryGetProperty("sec_fetch_mode", out _);
            return new ReplayRequest(number, time.Value, Address(Text(root, "ip")), Text(root, "method") ?? "GET", target, Text(root, "user_agent"),
                headersKnown, Text(root, "accept"), Text(root, "accept_language"), Text(root, "sec_fetch_mode"), Text(root, "x_requested_with"),
                !root.TryGetProperty("https", out var https) || https.ValueKind != JsonValueKind.False, Text(root, "label"));
        }
        catch (JsonException e)
        {
            problem = $"bad JSON: {e.Message}";
            return null;
        }
    }

    private static string? Text(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static IPAddress? Address(string? text) => IPAddress.TryParse(text, out var address) ? address : null;

    // host ident user [time] "request" status bytes ["referer" "agent"]
    [GeneratedRegex("""^(?<host>\S+) \S+ \S+ \[(?<time>[^\]]+)\] "(?<request>[^"]*)" (?<status>\d{3}) \S+(?: "(?:[^"\\]|\\.)*" "(?<agent>(?:[^"\\]|\\.)*)")?""", RegexOptions.CultureInvariant)]
    private static partial Regex CombinedFormat();
}
