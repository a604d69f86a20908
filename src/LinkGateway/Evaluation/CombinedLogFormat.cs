using System.Text.RegularExpressions;

namespace LinkGateway.Evaluation;

/// <summary>
/// The combined log format, the same for nginx (its predefined <c>combined</c>,
/// https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format) and Apache
/// (<c>%h %l %u %t "%r" %&gt;s %b "%{Referer}i" "%{User-agent}i"</c>, https://httpd.apache.org/docs/current/logs.html#combined).
/// It records no request header but the User-Agent, so header-shape signals are off (unknown is not absent). A common-format
/// line (no Referer, no User-Agent) is read with no User-Agent, and the command refuses a log that has none.
/// </summary>
public sealed partial class CombinedLogFormat(string name) : IAccessLogFormat
{
    public string Name { get; } = name;

    public ReplayRequest? Read(string line, long number, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        var match = Combined().Match(line);
        if (!match.Success)
        {
            refusal = "not the combined log format";
            return null;
        }

        if (!LogValues.TryTime(match.Groups["time"].Value, out var time))
        {
            refusal = $"bad time \"{match.Groups["time"].Value}\"";
            return null;
        }

        if (!LogValues.TryRequestLine(match.Groups["request"].Value, out var method, out var target))
        {
            refusal = $"bad request line \"{match.Groups["request"].Value}\"";
            return null;
        }

        var agent = match.Groups["agent"].Success ? LogValues.Dash(match.Groups["agent"].Value) : null;
        return new ReplayRequest(number, time, LogValues.Address(match.Groups["host"].Value), method, target, agent);
    }

    // host ident user [time] "request" status bytes ["referer" "agent"]
    [GeneratedRegex("""^(?<host>\S+) \S+ \S+ \[(?<time>[^\]]+)\] "(?<request>[^"]*)" (?<status>\d{3}) \S+(?: "(?:[^"\\]|\\.)*" "(?<agent>(?:[^"\\]|\\.)*)")?""", RegexOptions.CultureInvariant)]
    private static partial Regex Combined();
}
