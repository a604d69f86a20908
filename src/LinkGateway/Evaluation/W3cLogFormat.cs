namespace LinkGateway.Evaluation;

/// <summary>
/// The W3C extended log file format (https://www.w3.org/TR/WD-logfile.html), as IIS writes it
/// (https://learn.microsoft.com/en-us/iis/configuration/system.applicationhost/sites/site/logfile/): directives start with
/// <c>#</c>, and <c>#Fields:</c> names the space-separated columns of the lines after it (a new one may come mid-file).
/// Before any <c>#Fields</c>, IIS's default columns are assumed. <c>-</c> is an empty value; IIS writes the spaces of
/// <c>cs(User-Agent)</c> as <c>+</c>. <c>date</c> and <c>time</c> are UTC. Request headers logged as
/// <c>cs(Accept)</c>, <c>cs(Accept-Language)</c> and <c>cs(Sec-Fetch-Mode)</c> (all three: a header not logged is unknown,
/// not absent) turn the header-shape signals on; <c>cs(X-Requested-With)</c> names an in-app webview. One instance reads one log.
/// </summary>
public sealed class W3cLogFormat : IAccessLogFormat
{
    /// <summary>IIS's default W3C fields, in IIS's order.</summary>
    public static readonly string[] IisDefaultFields =
        ["date", "time", "s-ip", "cs-method", "cs-uri-stem", "cs-uri-query", "s-port", "cs-username", "c-ip", "cs(User-Agent)", "cs(Referer)", "sc-status", "sc-substatus", "sc-win32-status", "time-taken"];

    private static readonly string[] _headerFields = ["cs(accept)", "cs(accept-language)", "cs(sec-fetch-mode)"];

    private Dictionary<string, int> _columns = Columns(IisDefaultFields);
    private int _width = IisDefaultFields.Length;
    private bool _headersKnown; // IIS's default fields log none of _headerFields

    public string Name => "w3c";

    public ReplayRequest? Read(string line, long number, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        if (line[0] == '#')
        {
            if (line.StartsWith("#Fields:", StringComparison.OrdinalIgnoreCase))
            {
                var fields = line["#Fields:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                (_columns, _width) = (Columns(fields), fields.Length);
                _headersKnown = _headerFields.All(_columns.ContainsKey);
            }

            return null;
        }

        var values = line.Split(' ');
        if (values.Length != _width)
        {
            refusal = $"{values.Length} values where #Fields names {_width}";
            return null;
        }

        string? Value(string field) => _columns.TryGetValue(field, out var i) ? LogValues.Dash(values[i]) : null;

        if (!LogValues.TryTime(Value("date") is { } date && Value("time") is { } clock ? $"{date}T{clock}Z" : null, out var time))
        {
            refusal = "no date and time";
            return null;
        }

        var method = Value("cs-method");
        var target = Value("cs-uri-stem") is { } stem ? (Value("cs-uri-query") is { } query ? $"{stem}?{query}" : stem) : Value("cs-uri") is { } uri ? LogValues.PathAndQuery(uri) : null;
        if (method is null || target is null)
        {
            refusal = "no cs-method and cs-uri-stem";
            return null;
        }

        return new ReplayRequest(number, time, LogValues.Address(Value("c-ip")), method, target, Value("cs(user-agent)")?.Replace('+', ' '),
            HeadersKnown: _headersKnown,
            Accept: Value("cs(accept)")?.Replace('+', ' '),
            AcceptLanguage: Value("cs(accept-language)"),
            SecFetchMode: Value("cs(sec-fetch-mode)"),
            RequestedWith: Value("cs(x-requested-with)"),
            Https: Value("s-port") is not { } port || port == "443");
    }

    private static Dictionary<string, int> Columns(IReadOnlyList<string> fields)
    {
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < fields.Count; i++)
        {
            columns.TryAdd(fields[i], i);
        }

        return columns;
    }
}
