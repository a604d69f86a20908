namespace LinkGateway.Evaluation;

/// <summary>
/// AWS Application Load Balancer access logs
/// (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-access-logs.html#access-log-entry-syntax):
/// space-separated, quoted where a value may hold spaces; <c>type time elb client:port target:port … "request" "user_agent" …</c>.
/// <c>client:port</c> is the client the balancer saw, so the log already names the real client. The request's target is
/// absolute (<c>GET https://host:443/path?q HTTP/1.1</c>). No request header but the User-Agent is recorded.
/// </summary>
public sealed class AlbLogFormat : IAccessLogFormat
{
    // Positions in the entry, from the field list of the page above.
    private const int Type = 0, Time = 1, Client = 3, Request = 12, UserAgent = 13;

    public string Name => "alb";

    public ReplayRequest? Read(string line, long number, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        var fields = Split(line);
        if (fields.Count <= UserAgent || fields[Type] is not ("http" or "https" or "h2" or "grpcs" or "ws" or "wss"))
        {
            refusal = "not an AWS ALB access log entry";
            return null;
        }

        if (!LogValues.TryTime(fields[Time], out var time))
        {
            refusal = $"bad time \"{fields[Time]}\"";
            return null;
        }

        if (!LogValues.TryRequestLine(fields[Request], out var method, out var target))
        {
            refusal = $"bad request \"{fields[Request]}\"";
            return null;
        }

        return new ReplayRequest(number, time, LogValues.AddressWithPort(fields[Client]), method, target, LogValues.Dash(fields[UserAgent]),
            Https: fields[Type] is "https" or "h2" or "grpcs" or "wss");
    }

    /// <summary>Space-separated values; a double-quoted value may hold spaces.</summary>
    private static List<string> Split(string line)
    {
        var fields = new List<string>(32);
        var i = 0;
        while (i < line.Length)
        {
            if (line[i] == ' ')
            {
                i++;
                continue;
            }

            int end;
            if (line[i] == '"')
            {
                end = line.IndexOf('"', i + 1);
                end = end < 0 ? line.Length : end;
                fields.Add(line[(i + 1)..end]);
                i = end + 1;
                continue;
            }

            end = line.IndexOf(' ', i);
            end = end < 0 ? line.Length : end;
            fields.Add(line[i..end]);
            i = end;
        }

        return fields;
    }
}
