using Microsoft.AspNetCore.Http.Features;
using LinkGateway.Links;
using LinkGateway.Verification;

namespace LinkGateway.DemoOrigin;

/// <summary>
/// A small ESP-like origin: it records clicks, opens and unsubscribes the way a real one would (an
/// unsubscribe on GET included, which is what the gateway protects), verifies the gateway's signature,
/// and shows what it recorded at /_origin/events. Used by --demo, docker-compose and the tests.
/// </summary>
public static class DemoOriginApp
{
    /// <param name="args">Command-line arguments (e.g. --urls).</param>
    /// <param name="signingKey">The gateway's key, to verify X-Bot-Signature; null to read it from Origin:SigningKey, and to skip verification without one.</param>
    public static WebApplication Create(string[] args, byte[]? signingKey = null)
    {
        // No appsettings.json to watch (each watcher costs an inotify instance, 128 per user by default).
        var builder = WebApplication.CreateSlimBuilder([.. args, "--hostBuilder:reloadConfigOnChange=false"]);
        builder.Logging.ClearProviders();
        // Verified as any ASP.NET Core origin would: LinkGateway.Verifier's middleware (a configured key it refuses stops start-up).
        var key = signingKey is null ? builder.Configuration["Origin:SigningKey"] : Convert.ToBase64String(signingKey);
        var verifying = !string.IsNullOrEmpty(key);
        if (verifying)
        {
            builder.Services.AddBotHeaderVerification(options =>
            {
                options.Key = key;
                options.KeyName = "Origin:SigningKey";
            });
        }

        builder.Services.AddSingleton<OriginLedger>();

        var app = builder.Build();
        var ledger = app.Services.GetRequiredService<OriginLedger>();
        if (verifying)
        {
            app.UseBotHeaderVerification();
        }

        async Task<IResult> Click(HttpContext http, string? messageId, string? recipientId, string? linkId)
        {
            await RecordAsync(http, ledger, verifying, "click", messageId, recipientId, linkId);
            // A fixed local landing page: an origin that redirects to a URL taken from the request is an open redirect.
            return Results.Redirect($"/landing?link={Uri.EscapeDataString(linkId ?? "")}");
        }

        async Task<IResult> Open(HttpContext http, string? messageId, string? recipientId)
        {
            await RecordAsync(http, ledger, verifying, "open", messageId, recipientId, null);
            http.Response.Headers.CacheControl = "no-store";
            return Results.Bytes(TransparentGif.Bytes.ToArray(), TransparentGif.ContentType);
        }

        // Legacy unsubscribe: a GET unsubscribes. RFC 8058 one-click arrives as a POST and gets a 200, never a redirect.
        async Task<IResult> Unsubscribe(HttpContext http, string? messageId, string? recipientId)
        {
            await RecordAsync(http, ledger, verifying, "unsubscribe", messageId, recipientId, null);
            return Results.Content(Page("Unsubscribed", "You will not receive these emails any more."), "text/html; charset=utf-8");
        }

        async Task<IResult> Honeypot(HttpContext http, string? messageId, string? recipientId)
        {
            await RecordAsync(http, ledger, verifying, "honeypot", messageId, recipientId, null);
            return Results.Content(Page("Not found", "There is nothing here."), "text/html; charset=utf-8");
        }

        app.MapMethods("/c/{messageId}/{recipientId}/{linkId}", ["GET", "HEAD"], (HttpContext http, string messageId, string recipientId, string linkId) =>
            Click(http, messageId, recipientId, linkId));
        app.MapMethods("/o/{messageId}/{recipientId}", ["GET", "HEAD"], (HttpContext http, string messageId, string recipientId) => Open(http, messageId, recipientId));
        app.MapMethods("/u/{messageId}/{recipientId}", ["GET", "POST"], (HttpContext http, string messageId, string recipientId) =>
            Unsubscribe(http, messageId, recipientId));
        app.MapMethods("/d/{messageId}/{recipientId}", ["GET", "POST"], async (HttpContext http, string messageId, string recipientId) =>
        {
            await RecordAsync(http, ledger, verifying, "confirm", messageId, recipientId, null);
            return Results.Content(Page("Subscription confirmed", "Thank you for confirming."), "text/html; charset=utf-8");
        });
        app.MapGet("/h/{messageId}/{recipientId}", (HttpContext http, string messageId, string recipientId) => Honeypot(http, messageId, recipientId));

        // The opaque-token layout (config/examples/opaque-token.json): one base64url JSON token {"m", "r", "l", "t"} per link,
        // read as an ESP reads its own tokens. A token that does not open is recorded without ids.
        static Func<string, string?> Fields(string token) => LinkToken.Json.Open(token) ?? (_ => null);
        app.MapMethods("/t/{token}", ["GET", "HEAD"], (HttpContext http, string token) =>
        {
            var f = Fields(token);
            return Click(http, f("m"), f("r"), f("l"));
        });
        app.MapMethods("/p/{token}", ["GET", "HEAD"], (HttpContext http, string token) =>
        {
            var f = Fields(token);
            return Open(http, f("m"), f("r"));
        });
        app.MapMethods("/x/{token}", ["GET", "POST"], (HttpContext http, string token) =>
        {
            var f = Fields(token);
            return Unsubscribe(http, f("m"), f("r"));
        });
        app.MapGet("/n/{token}", (HttpContext http, string token) =>
        {
            var f = Fields(token);
            return Honeypot(http, f("m"), f("r"));
        });
        app.MapGet("/landing", () => Results.Content(Page("Welcome", "You followed a link from our newsletter."), "text/html; charset=utf-8"));
        app.MapGet("/_origin/events", () => Results.Json(ledger.Events));
        return app;
    }

    private static async Task RecordAsync(HttpContext http, OriginLedger ledger, bool verifying, string action,
        string? messageId, string? recipientId, string? linkId)
    {
        var request = http.Request;
        var bot = request.Headers
            .Where(h => h.Key.StartsWith("X-Bot-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var forwarding = request.Headers
            .Where(h => h.Key.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("X-Original-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        // The request target as it arrived, byte for byte: the gateway signs what it sends, and Kestrel's decoded
        // Path and QueryString would spell some characters differently (docs/reference/header-contract.md).
        var pathAndQuery = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.ToUriComponent() + request.QueryString.ToUriComponent();
        string? body = null;
        if (request.ContentLength is > 0 and <= 4096)
        {
            body = await new StreamReader(request.Body).ReadToEndAsync(http.RequestAborted);
        }

        ledger.Record(new OriginEvent(DateTimeOffset.UtcNow, action, request.Method, pathAndQuery, messageId, recipientId, linkId, bot, forwarding, body,
            verifying ? http.Features.Get<IBotVerdictFeature>()?.Verified : null));
        http.Response.Headers["X-Origin-Saw"] = $"{bot.GetValueOrDefault("X-Bot-Verdict", "-")} {bot.GetValueOrDefault("X-Bot-Score", "-")} {bot.GetValueOrDefault("X-Bot-Reasons", string.Empty)}".TrimEnd();
    }

    private static string Page(string title, string text) =>
        $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>{title}</title></head>" +
        $"<body style=\"font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem\"><h1>{title}</h1><p>{text}</p></body></html>";
}
