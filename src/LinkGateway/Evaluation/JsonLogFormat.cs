using System.Text.Json;
using LinkGateway.Hosting;

namespace LinkGateway.Evaluation;

/// <summary>
/// JSON lines, one object per line, with a field mapping (<see cref="JsonLogFields"/>): LinkGateway's own layout
/// (<c>json</c>), nginx's <c>log_format … escape=json</c> with any keys (<c>nginx-json</c>,
/// https://nginx.org/en/docs/http/ngx_http_log_module.html#log_format), and Cloudflare Logpush HTTP requests
/// (<c>cloudflare</c>, https://developers.cloudflare.com/logs/reference/log-fields/zone/http_requests/). When any request
/// header field (Accept, Accept-Language, Sec-Fetch-Mode) is in a line, its headers count as known and a missing one as absent.
/// </summary>
public sealed class JsonLogFormat(string name, JsonLogFields fields) : IAccessLogFormat
{
    public string Name { get; } = name;

    public JsonLogFields Fields { get; } = fields;

    public ReplayRequest? Read(string line, long number, out string? refusal)
    {
        refusal = null;
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                refusal = "not a JSON object";
                return null;
            }

            var timeValue = Find(root, JsonLogFields.Time);
            DateTimeOffset time = default;
            var timed = timeValue is { ValueKind: JsonValueKind.Number } numeric
                ? numeric.TryGetDecimal(out var unix) && LogValues.TryUnix(unix, out time)
                : LogValues.TryTime(Text(timeValue), out time);
            if (!timed)
            {
                refusal = $"no time in {Fields.Describe(JsonLogFields.Time)}";
                return null;
            }

            var method = Text(root, JsonLogFields.Method);
            var target = Text(root, JsonLogFields.Uri);
            if (target is null && LogValues.TryRequestLine(Text(root, JsonLogFields.Request), out var requestMethod, out var requestTarget))
            {
                (method, target) = (method ?? requestMethod, requestTarget);
            }

            if (target is null)
            {
                refusal = $"no request target in {Fields.Describe(JsonLogFields.Uri)} or {Fields.Describe(JsonLogFields.Request)}";
                return null;
            }

            var accept = Find(root, JsonLogFields.Accept);
            var acceptLanguage = Find(root, JsonLogFields.AcceptLanguage);
            var secFetchMode = Find(root, JsonLogFields.SecFetchMode);
            var headersKnown = accept is not null || acceptLanguage is not null || secFetchMode is not null;
            return new ReplayRequest(number, time, LogValues.Address(Text(root, JsonLogFields.Address)), method ?? "GET", LogValues.PathAndQuery(target),
                LogValues.Dash(Text(root, JsonLogFields.UserAgent)), headersKnown,
                LogValues.Dash(Text(accept)), LogValues.Dash(Text(acceptLanguage)),
                LogValues.Dash(Text(secFetchMode)), LogValues.Dash(Text(root, JsonLogFields.RequestedWith)),
                IsHttps(Find(root, JsonLogFields.Https)), Text(root, JsonLogFields.Label));
        }
        catch (JsonException e)
        {
            refusal = $"bad JSON: {e.Message}";
            return null;
        }
    }

    /// <summary>The keys of a line, for a refusal that says which layout it is.</summary>
    public static IReadOnlyList<string>? Keys(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object ? [.. document.RootElement.EnumerateObject().Select(p => p.Name)] : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private JsonElement? Find(JsonElement root, string field)
    {
        foreach (var key in Fields.Keys(field))
        {
            if (Lookup(root, key) is { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } value)
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>A key as written, or a dotted path into nested objects (<c>http.user_agent</c>).</summary>
    private static JsonElement? Lookup(JsonElement root, string key)
    {
        if (root.TryGetProperty(key, out var value))
        {
            return value;
        }

        if (!key.Contains('.'))
        {
            return null;
        }

        var current = root;
        foreach (var part in key.Split('.'))
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(part, out current))
            {
                return null;
            }
        }

        return current;
    }

    private string? Text(JsonElement root, string field) => Text(Find(root, field));

    private static string? Text(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.String } text => text.GetString(),
        { ValueKind: JsonValueKind.Number } number => number.GetRawText(),
        _ => null,
    };

    /// <summary>true/false, a scheme (<c>https</c>, Cloudflare's ClientRequestScheme) or nginx's <c>$https</c> ("on" or ""); unknown is https.</summary>
    private static bool IsHttps(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.False } => false,
        { ValueKind: JsonValueKind.String } text => text.GetString()?.ToLowerInvariant() is not ("http" or "" or "off" or "false" or "ws"),
        _ => true,
    };
}

/// <summary>
/// Which keys of a JSON line hold which value: for each field, the keys tried in order. Each format has its defaults;
/// <c>--fields time=ts,address=remote_addr,…</c> names one key for a field instead.
/// </summary>
public sealed class JsonLogFields
{
    public const string Time = "time", Address = "address", Method = "method", Uri = "uri", Request = "request", UserAgent = "ua",
        Accept = "accept", AcceptLanguage = "accept_language", SecFetchMode = "sec_fetch_mode", RequestedWith = "x_requested_with",
        Https = "https", Label = "label";

    public static readonly string[] Names = [Time, Address, Method, Uri, Request, UserAgent, Accept, AcceptLanguage, SecFetchMode, RequestedWith, Https, Label];

    /// <summary>LinkGateway's own layout (docs/evaluate.md#json-lines).</summary>
    public static readonly JsonLogFields LinkGateway = new(new()
    {
        [Time] = ["time"], [Address] = ["ip"], [Method] = ["method"], [Uri] = ["url", "path"], [Request] = [], [UserAgent] = ["user_agent"],
        [Accept] = ["accept"], [AcceptLanguage] = ["accept_language"], [SecFetchMode] = ["sec_fetch_mode"], [RequestedWith] = ["x_requested_with"],
        [Https] = ["https"], [Label] = ["label"],
    });

    /// <summary>
    /// nginx JSON layouts as they are usually written: keys named after nginx's variables
    /// (https://nginx.org/en/docs/varindex.html), with or without the <c>$http_</c> prefix, or the short names common in examples.
    /// </summary>
    public static readonly JsonLogFields Nginx = new(new()
    {
        [Time] = ["time_iso8601", "time_local", "msec", "timestamp", "@timestamp", "time"],
        [Address] = ["remote_addr", "client_ip", "ip"],
        [Method] = ["request_method", "method"],
        [Uri] = ["request_uri", "uri", "url", "path"],
        [Request] = ["request"],
        [UserAgent] = ["http_user_agent", "user_agent", "agent"],
        [Accept] = ["http_accept", "accept"],
        [AcceptLanguage] = ["http_accept_language", "accept_language"],
        [SecFetchMode] = ["http_sec_fetch_mode", "sec_fetch_mode"],
        [RequestedWith] = ["http_x_requested_with", "x_requested_with"],
        [Https] = ["scheme", "https"],
        [Label] = ["label"],
    });

    /// <summary>
    /// Cloudflare Logpush, HTTP requests dataset. EdgeStartTimestamp comes as RFC 3339, unix seconds or unix nanoseconds,
    /// as the job's timestamp option says (https://developers.cloudflare.com/logs/logpush/logpush-job/log-output-options/).
    /// ClientIP is the visitor's address, not Cloudflare's.
    /// </summary>
    public static readonly JsonLogFields Cloudflare = new(new()
    {
        [Time] = ["EdgeStartTimestamp"], [Address] = ["ClientIP"], [Method] = ["ClientRequestMethod"], [Uri] = ["ClientRequestURI"],
        [Request] = [], [UserAgent] = ["ClientRequestUserAgent"], [Accept] = [], [AcceptLanguage] = [], [SecFetchMode] = [],
        [RequestedWith] = [], [Https] = ["ClientRequestScheme"], [Label] = [],
    });

    private readonly Dictionary<string, string[]> _keys;

    private JsonLogFields(Dictionary<string, string[]> keys) => _keys = keys;

    public IReadOnlyList<string> Keys(string field) => _keys[field];

    /// <summary>"key" or "key1|key2", for refusals.</summary>
    public string Describe(string field) => _keys[field].Length == 0 ? $"(no key for {field})" : "\"" + string.Join("\"|\"", _keys[field]) + "\"";

    /// <summary>These fields with <c>field=key,…</c> applied; a wrong mapping stops the command (exit code 2) naming it.</summary>
    public JsonLogFields With(string mapping)
    {
        var keys = new Dictionary<string, string[]>(_keys);
        foreach (var pair in mapping.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var split = pair.IndexOf('=');
            var field = split > 0 ? pair[..split].Trim() : pair;
            if (split <= 0 || split == pair.Length - 1)
            {
                throw new GatewayConfigurationException([$"--fields: \"{pair}\" is not field=key ({string.Join(", ", Names)})"]);
            }

            if (!keys.ContainsKey(field))
            {
                throw new GatewayConfigurationException([$"--fields: unknown field \"{field}\" (one of {string.Join(", ", Names)})"]);
            }

            keys[field] = [pair[(split + 1)..].Trim()];
        }

        return new JsonLogFields(keys);
    }
}
