using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using LinkGateway.Links;

namespace LinkGateway.Interstitial;

/// <summary>
/// The neutral page in front of shielded links: plain HTML, no third-party resource, no tracking, the
/// same page for everyone it is shown to (nothing tells a scanner what the gateway concluded), a form
/// whose button posts the pass back to the same URL, in the reader's language where we have it.
/// </summary>
internal static class InterstitialPage
{
    public const string PassField = "lg-pass";
    public const string AutoField = "lg-auto";

    /// <summary>Writes the page. <paramref name="autoContinue"/> adds the click route's self-submitting script.</summary>
    public static Task WriteAsync(HttpContext context, PageBrand brand, LinkKind kind, string token, bool autoContinue) =>
        WriteAsync(context, brand, PageTexts.PageOf(kind, done: false), token, autoContinue);

    /// <summary>
    /// The completed page: what a person sees on coming back to an unsubscribe or confirm link that went through. Same look,
    /// no form: nothing to press, nothing sent to the origin again.
    /// </summary>
    public static Task WriteDoneAsync(HttpContext context, PageBrand brand, LinkKind kind) =>
        WriteAsync(context, brand, PageTexts.PageOf(kind, done: true), token: null, autoContinue: false);

    private static Task WriteAsync(HttpContext context, PageBrand brand, string page, string? token, bool autoContinue)
    {
        var language = ChooseLanguage(context.Request, brand);
        var title = brand.Text(language, page + ".title");
        var text = brand.Text(language, page + ".text");
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK; // a refusal that looks like an error gets reported as a broken link
        response.ContentType = "text/html; charset=utf-8";
        var headers = response.Headers;
        headers.CacheControl = "no-store";
        headers["X-Robots-Tag"] = "noindex, nofollow";
        headers["Referrer-Policy"] = "no-referrer";
        headers["X-Content-Type-Options"] = "nosniff";
        headers.ContentLanguage = language;
        // A brand's logo is inlined (data:), so the page still loads nothing: img-src allows that and nothing else.
        headers.ContentSecurityPolicy =
            $"default-src 'none'; style-src 'nonce-{nonce}'; script-src {(autoContinue ? $"'nonce-{nonce}'" : "'none'")}; " +
            (brand.LogoDataUri is null ? "" : "img-src data:; ") +
            "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

        // No action attribute: the form posts to this very URL, so nothing from the request is echoed into the page.
        var script = autoContinue
            ? $"<script nonce=\"{nonce}\">var f=document.forms[0];f.elements['{AutoField}'].value='1';f.submit();</script>"
            : string.Empty;
        var form = token is null
            ? string.Empty
            : $"""
              <form method="post">
              <input type="hidden" name="{PassField}" value="{Html(token)}">
              <input type="hidden" name="{AutoField}" value="0">
              <button type="submit">{Html(brand.Text(language, page + ".button"))}</button>
              </form>
              """;
        var logo = brand.LogoDataUri is { } uri ? $"<img class=\"logo\" src=\"{uri}\" alt=\"\">" : string.Empty;
        // Colours are #rgb/#rrggbb, checked at start-up (BrandColours.IsColour): nothing else reaches the style sheet.
        var colours = brand.Colours;
        var html = $$"""
            <!doctype html>
            <html lang="{{language}}">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="robots" content="noindex, nofollow">
            <meta name="referrer" content="no-referrer">
            <title>{{Html(title)}}</title>
            <style nonce="{{nonce}}">
            html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:{{colours.Text}};background:{{colours.Background}}}
            main{max-width:28rem;margin:12vh auto 0;padding:2rem 1.5rem;background:{{colours.Panel}};border:1px solid {{colours.Border}};border-radius:12px}
            .logo{display:block;max-width:12rem;max-height:4rem;margin:0 0 1.25rem}
            h1{font-size:1.4rem;margin:0 0 .75rem}
            p{font-size:1.05rem;line-height:1.5;margin:0 0 1.5rem}
            button{width:100%;min-height:3rem;font:inherit;font-size:1.1rem;font-weight:600;color:{{colours.AccentText}};background:{{colours.Accent}};border:0;border-radius:8px;cursor:pointer}
            button:focus-visible{outline:3px solid {{colours.Accent}};outline-offset:2px}
            </style>
            </head>
            <body>
            <main>
            {{logo}}
            <h1>{{Html(title)}}</h1>
            <p>{{Html(text)}}</p>
            {{form}}
            </main>
            {{script}}
            </body>
            </html>
            """;
        return response.WriteAsync(html, context.RequestAborted);
    }

    /// <summary>The best-rated language of Accept-Language that we have; English otherwise.</summary>
    private static string ChooseLanguage(HttpRequest request, PageBrand brand)
    {
        var accepted = request.GetTypedHeaders().AcceptLanguage;
        foreach (var entry in accepted.OrderByDescending(a => a.Quality ?? 1))
        {
            var tag = entry.Value.Value;
            if (tag is null || entry.Quality == 0)
            {
                continue;
            }

            var primary = tag.Split('-')[0];
            if (brand.Languages.Contains(primary, StringComparer.OrdinalIgnoreCase))
            {
                return primary.ToLowerInvariant();
            }
        }

        return PageTexts.DefaultLanguage;
    }

    // Letters of every script stay as they are (the page is UTF-8); only markup characters are escaped.
    private static readonly HtmlEncoder _encoder = HtmlEncoder.Create(UnicodeRanges.All);

    private static string Html(string text) => _encoder.Encode(text);
}
