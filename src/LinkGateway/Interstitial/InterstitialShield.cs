using System.Text;
using LinkGateway.Contracts;
using LinkGateway.Fingerprinting;
using LinkGateway.Guard;
using LinkGateway.Links;
using LinkGateway.Signals;
using Microsoft.AspNetCore.Http.Features;

namespace LinkGateway.Interstitial;

/// <summary>
/// Stands in front of links that a single fetch must not act on (unsubscribe, confirm, and click
/// routes whose policy says so): shows the interstitial, turns a pressed button into a one-request
/// pass, and recognises RFC 8058 one-click unsubscribes, which are always let through.
/// </summary>
public sealed class InterstitialShield(PassTokens passes, ShieldOptions options, BrandBook brands, TimeProvider time) : IInterstitial
{
    public const string CookieName = "lg-pass";

    /// <summary>The completed mark: this browser's pass on this unsubscribe or confirm link went through (<see cref="FollowOriginAnswer"/>).</summary>
    public const string DoneCookieName = "lg-done";

    private readonly ShieldOptions _options = options;

    /// <summary>The URL a pass is bound to and the 303 goes back to: this request's own path (<see cref="OwnPath"/>) and query, nothing else.</summary>
    public static string Target(HttpRequest request) => OwnPath(request.PathBase.Add(request.Path).Value) + request.QueryString.ToUriComponent();

    /// <summary>
    /// The pass cookie is sent back for this link's path only. Its Path attribute ends before the first ';', ',', space or
    /// control character (a path "/u;Max-Age=99999999/m/r" would otherwise write attributes of its own into Set-Cookie),
    /// then at the last '/' before it, so a browser still sends the cookie for the whole link (RFC 6265 §5.1.4 matches a
    /// cookie path only whole or up to a '/'). The payload is bound to the full URL anyway.
    /// </summary>
    private static string CookiePath(HttpRequest request) => CookiePath(OwnPath(request.PathBase.Add(request.Path).Value));

    private static string CookiePath(string path)
    {
        var cut = 0;
        while (cut < path.Length && !EndsCookiePath(path[cut]))
        {
            cut++;
        }

        if (cut == path.Length)
        {
            return path;
        }

        var slash = path.LastIndexOf('/', cut);
        return slash <= 0 ? "/" : path[..(slash + 1)];

        // RFC 6265 §4.1.1: a cookie attribute's value holds no control character and no ';'; ',' and spaces split headers elsewhere.
        static bool EndsCookiePath(char c) => c is ';' or ',' or ' ' || char.IsControl(c);
    }

    /// <summary>
    /// A request's decoded path with a leading run of '/' and '\' made one '/', encoded: in a Location header
    /// "//evil.example/…" or "/\evil.example/…" is another host to a browser (an open redirect through the pass's 303).
    /// Origins that merge slashes (nginx by default) read the path as before, and the shield's lenient reading, which
    /// merges them too, guards it the same.
    /// </summary>
    private static string OwnPath(string? path)
    {
        path ??= string.Empty;
        var start = 0;
        while (start < path.Length && path[start] is '/' or '\\')
        {
            start++;
        }

        return new PathString(start > 1 ? "/" + path[start..] : path).ToUriComponent();
    }

    /// <summary>RFC 8058: the body is exactly one field, List-Unsubscribe=One-Click.</summary>
    public async ValueTask<InterstitialInput> ReadAsync(HttpContext context, RoutePolicy policy, RequestFingerprint fingerprint)
    {
        if (!policy.HasInterstitial)
        {
            return InterstitialInput.None;
        }

        if (!HttpMethods.IsPost(context.Request.Method))
        {
            if (await TryRedeemCookieAsync(context, fingerprint).ConfigureAwait(false) is not { } pass)
            {
                return InterstitialInput.None;
            }

            if (policy.IsShielded)
            {
                FollowOriginAnswer(context, fingerprint, pass);
            }

            return InterstitialInput.None with { Pass = pass };
        }

        var (form, refusal) = await ReadFormAsync(context.Request).ConfigureAwait(false);
        return form is null
            ? InterstitialInput.None with { Refusal = refusal }
            : new InterstitialInput(refusal, form, form.ContainsKey(InterstitialPage.PassField),
                policy.Kind == LinkKind.Unsubscribe && IsOneClickUnsubscribe(form), null);
    }

    public Task<bool> AnswerAsync(HttpContext context, RoutePolicy policy, InterstitialInput input, RequestFingerprint fingerprint, bool mayPass) =>
        HandlePassAsync(context, policy, input.Form!, fingerprint, mayPass);

    // A line break or space after the value is how some clients end the body (RFC 8058 shows none, and none changes what it
    // asks); the page instead would answer them 200, which a mail app reads as done, and the person stays subscribed.
    private static bool IsOneClickUnsubscribe(IFormCollection form) =>
        form.Count == 1 && form.Files.Count == 0 && form.TryGetValue("List-Unsubscribe", out var value)
        && value.Count == 1 && value[0].AsSpan().TrimEnd(" \t\r\n").SequenceEqual("One-Click");

    /// <summary>
    /// Reads a small form body and rewinds it, so the proxy can still forward it unchanged. No form when the body is not
    /// one. A body over <see cref="ShieldOptions.MaxFormBytes"/> is <see cref="FormRefusal.TooLarge"/>; one the form reader
    /// cannot read (a charset .NET refuses, such as UTF-7; multipart without its boundary or cut short; more than 32
    /// fields) is <see cref="FormRefusal.Unreadable"/>: the client's doing, answered 400, never a server error.
    /// </summary>
    private async Task<(IFormCollection? Form, FormRefusal Refusal)> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType)
        {
            return (null, FormRefusal.None);
        }

        if (request.ContentLength > _options.MaxFormBytes)
        {
            return (null, FormRefusal.TooLarge);
        }

        request.EnableBuffering(_options.MaxFormBytes, _options.MaxFormBytes);
        try
        {
            // The whole body first: the buffer refuses to grow past the limit, so a body without a length that is too large
            // is told apart from one that is merely unreadable, whatever the form reader would have thrown for either.
            try
            {
                await request.Body.CopyToAsync(Stream.Null, request.HttpContext.RequestAborted).ConfigureAwait(false);
            }
            catch (BadHttpRequestException e)
            {
                return (null, e.StatusCode == StatusCodes.Status413PayloadTooLarge ? FormRefusal.TooLarge : FormRefusal.Unreadable);
            }
            catch (IOException)
            {
                return (null, FormRefusal.TooLarge);
            }
            catch (OperationCanceledException) when (request.HttpContext.RequestAborted.IsCancellationRequested)
            {
                return (null, FormRefusal.Unreadable); // the client left mid-body: nobody reads the answer, and nothing failed here
            }

            request.Body.Position = 0;
            try
            {
                var form = await request.ReadFormAsync(new FormOptions
                {
                    BufferBody = true,
                    MemoryBufferThreshold = _options.MaxFormBytes,
                    BufferBodyLengthLimit = _options.MaxFormBytes,
                    MultipartBodyLengthLimit = _options.MaxFormBytes,
                    ValueCountLimit = 32,
                }, request.HttpContext.RequestAborted).ConfigureAwait(false);
                return (form, FormRefusal.None);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The body is in memory and within the limit: whatever the reader throws is about what the client sent.
                return (null, FormRefusal.Unreadable);
            }
        }
        finally
        {
            if (request.Body.CanSeek)
            {
                request.Body.Position = 0;
            }
        }
    }

    /// <summary>The page, with a token for this URL and the client it is shown to.</summary>
    public Task ShowAsync(HttpContext context, RoutePolicy policy, RequestFingerprint fingerprint, bool mayPass) =>
        ShowAsync(context, policy, Target(context.Request), PassHolder.Of(fingerprint), token: null, mayPass);

    /// <summary>The page for <paramref name="target"/> and <paramref name="holder"/>, with <paramref name="token"/> again, or a new one (null).</summary>
    private Task ShowAsync(HttpContext context, RoutePolicy policy, string target, PassHolder holder, string? token, bool mayPass)
    {
        var brand = brands.For(context, policy);
        // Only a reload (GET or HEAD) shows it: a POST is the origin's own form (a second step, a resubscribe), which the
        // done mark must never answer in the origin's place.
        if (policy.IsShielded && (HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            && IsDone(context, target, holder))
        {
            // This browser went through already: a reload shows that it is done, never the question again, never the origin.
            return InterstitialPage.WriteDoneAsync(context, brand, policy.Kind);
        }

        // Click pages may continue by themselves, but never for a client the guard lets pass by nothing, and never
        // on unsubscribe or confirm, where only a pressed button counts.
        var autoContinue = policy.Kind == LinkKind.Click && mayPass;
        // Issued only for a page that asks: a token costs an encryption.
        return InterstitialPage.WriteAsync(context, brand, policy.Kind, token ?? passes.IssueToken(target, holder), autoContinue);
    }

    /// <summary>
    /// What the origin's answer to this pass's request leaves the same browser. A 2xx: a completed mark for this link, a
    /// Data Protection cookie bound to the URL and to the client, as the pass is, valid <see cref="ShieldOptions.DoneLifetime"/>.
    /// It only ever shows the completed page in place of the interstitial; it lets nothing through to the origin. An error
    /// from the origin sets none, so the person can try again; neither does a page the guard answered itself. A redirect
    /// to another URL of this host (an unsubscribe answered with a 303 to its thank-you page, often under the same
    /// shielded path): a pass for that URL, so the browser's next request reaches the origin and not the question again.
    /// That pass is the person's own, carried on for the origin's own redirect: bound to its URL and to this client, used
    /// once, as short-lived as any; a redirect sets no completed mark (an origin may redirect to an error page too).
    /// </summary>
    private void FollowOriginAnswer(HttpContext context, RequestFingerprint fingerprint, PassKind kind)
    {
        var request = context.Request;
        var target = Target(request);
        var holder = PassHolder.Of(fingerprint);
        var path = CookiePath(request);
        context.Response.OnStarting(() =>
        {
            // The origin's own answer only: when the guard answers instead (the request still scores bot), nothing was done.
            var response = context.Response;
            if (context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>()?.ProxiedDestination is null)
            {
                return Task.CompletedTask;
            }

            if (response.StatusCode is >= 200 and < 300)
            {
                response.Cookies.Append(DoneCookieName, passes.IssueDone(target, holder), new CookieOptions
                {
                    Path = path,
                    HttpOnly = true,
                    Secure = request.IsHttps,
                    SameSite = SameSiteMode.Lax,
                    MaxAge = _options.DoneLifetime,
                });
            }
            else if (response.StatusCode is >= 300 and < 400 && RedirectTarget(request, target, response.Headers.Location) is { } next
                     && next.Target.TrimEnd('?') != target.TrimEnd('?')) // the same URL again (a loop), also with an empty query
            {
                AppendPass(response, next.Target, next.CookiePath, kind, holder);
            }

            return Task.CompletedTask;
        });
    }

    /// <summary>
    /// Where <paramref name="location"/> sends the browser when it is a URL of the same scheme, host and port as this
    /// request (relative, as origins mostly write it, or absolute): the target as <see cref="Target"/> will read the
    /// browser's next request, and its cookie path. Null for another site, for what is not a URL, and for a path no request
    /// can carry (a NUL): this runs as the response starts, where an exception would turn the origin's answer into a 500.
    /// </summary>
    private static (string Target, string CookiePath)? RedirectTarget(HttpRequest request, string target, string? location)
    {
        // A browser drops tabs and line breaks anywhere in a URL before it reads it (the URL standard).
        location = location?.Replace("\t", "", StringComparison.Ordinal).Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(location)
            || !Uri.TryCreate($"{request.Scheme}://{request.Host.Value}{target}", UriKind.Absolute, out var here)
            || !Uri.TryCreate(here, location, out var next)
            || !string.Equals(next.Scheme, here.Scheme, StringComparison.OrdinalIgnoreCase)
            || Uri.Compare(next, here, UriComponents.HostAndPort, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0
            || next.GetComponents(UriComponents.Path, UriFormat.Unescaped).Contains('\0', StringComparison.Ordinal))
        {
            return null;
        }

        var path = OwnPath(PathString.FromUriComponent(next).Value);
        return (path + QueryAsSent(location, next, request), CookiePath(path));
    }

    /// <summary>
    /// The query a browser sends for <paramref name="location"/>: as the origin wrote it, with only what the URL standard's
    /// query percent-encode set names encoded (controls, space, '"', '&lt;', '&gt;', '\'' and non-ASCII as UTF-8); an
    /// escape stays as written ("%7e", "%c3%a9") and '{', '|', '}' stay raw, where <see cref="Uri.Query"/> re-encodes
    /// them. A reference with an empty path and no query ("#top") keeps this request's.
    /// </summary>
    private static string QueryAsSent(string location, Uri next, HttpRequest request)
    {
        var end = location.IndexOf('#', StringComparison.Ordinal) is var hash and >= 0 ? hash : location.Length;
        var question = location.IndexOf('?', 0, end);
        if (question < 0)
        {
            return next.Query.Length == 0 ? string.Empty : request.QueryString.ToUriComponent();
        }

        var query = new StringBuilder(end - question);
        Span<byte> bytes = stackalloc byte[4];
        foreach (var rune in location.AsSpan(question, end - question).EnumerateRunes())
        {
            if (rune.Value is > 0x20 and < 0x7F and not '"' and not '<' and not '>' and not '\'')
            {
                query.Append((char)rune.Value);
                continue;
            }

            foreach (var b in bytes[..rune.EncodeToUtf8(bytes)])
            {
                query.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
            }
        }

        return query.ToString();
    }

    private bool IsDone(HttpContext context, string target, PassHolder holder) =>
        context.Request.Cookies.TryGetValue(DoneCookieName, out var cookie) && passes.IsDone(cookie, target, holder);

    /// <summary>
    /// The page's form came back, already judged like any request. A valid pass answers 303 to the same URL with a
    /// one-request cookie and returns true; anything else gets the page again: a POST the guard lets pass by nothing
    /// (<paramref name="mayPass"/> false: it scores "bot"), a forged, expired, replayed
    /// or other URL's token, a token the page gave another client (another network or User-Agent: a scanner handing it to
    /// its other hosts), and a button pressed with no sign of a person — sooner than a person reads the page
    /// (<see cref="ShieldOptions.MinDwell"/>), or, where the browser sends fetch metadata, without a user-activated
    /// navigation from this page.
    /// </summary>
    private async Task<bool> HandlePassAsync(HttpContext context, RoutePolicy policy, IFormCollection form, RequestFingerprint fingerprint, bool mayPass)
    {
        var request = context.Request;
        var target = Target(request);
        var holder = PassHolder.Of(fingerprint);
        var kind = policy.Kind == LinkKind.Click && form[InterstitialPage.AutoField] == "1" ? PassKind.Script : PassKind.Click;
        var token = form[InterstitialPage.PassField].ToString();
        PassTicket ticket = default;
        var read = mayPass && passes.TryReadToken(token, target, holder, out ticket);
        var tooSoon = read && kind == PassKind.Click && !ShowsDwell(ticket);
        var valid = read
                    && (kind == PassKind.Script || (!tooSoon && ShowsUserActivation(request, fingerprint)))
                    && await passes.ConsumeTokenAsync(ticket, context.RequestAborted).ConfigureAwait(false);
        if (!valid)
        {
            // A press sooner than a person reads gets the page again with the same token (not yet used): the dwell keeps
            // counting from the first view, so a person who pressed early passes with the next press.
            await ShowAsync(context, policy, target, holder, tooSoon ? token : null, mayPass).ConfigureAwait(false);
            return false;
        }

        AppendPass(context.Response, target, CookiePath(request), kind, holder);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.StatusCode = StatusCodes.Status303SeeOther;
        context.Response.Headers.Location = target;
        return true;
    }

    /// <summary>A one-request pass for <paramref name="target"/>, sent back by the browser on that path only.</summary>
    private void AppendPass(HttpResponse response, string target, string cookiePath, PassKind kind, PassHolder holder) =>
        response.Cookies.Append(CookieName, passes.IssueCookie(target, kind, holder), new CookieOptions
        {
            Path = cookiePath,
            HttpOnly = true,
            Secure = response.HttpContext.Request.IsHttps,
            SameSite = SameSiteMode.Lax,
            MaxAge = _options.CookieLifetime,
        });

    /// <summary>The pass a cookie carries for this URL and this client, used up by this request; null when there is none.</summary>
    private async ValueTask<PassKind?> TryRedeemCookieAsync(HttpContext context, RequestFingerprint fingerprint)
    {
        if (!context.Request.Cookies.TryGetValue(CookieName, out var cookie))
        {
            return null;
        }

        context.Response.Cookies.Delete(CookieName, new CookieOptions { Path = CookiePath(context.Request) });
        return await passes.RedeemCookieAsync(cookie, Target(context.Request), PassHolder.Of(fingerprint), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A person reads the page before pressing its button; a script posts the token as soon as it has it.</summary>
    private bool ShowsDwell(PassTicket ticket) => time.GetUtcNow() - ticket.IssuedAt >= _options.MinDwell;

    /// <summary>
    /// Browsers that send fetch metadata (to secure origins) mark a navigation the user triggered from this page with
    /// Sec-Fetch-Mode: navigate, Sec-Fetch-Site: same-origin and Sec-Fetch-User: ?1; a form a script submitted by itself
    /// lacks the last. Safari and every browser on iOS (WebKit) never send Sec-Fetch-User, so a client that claims WebKit
    /// goes without it, unless it shows itself a Chromium that claims to be Safari (<see cref="ShowsChromium"/>). A client that claims a browser that sends fetch metadata over a secure connection and sends
    /// none is not that browser. Older browsers, and every browser over plain HTTP, send nothing: there the dwell time is
    /// all there is to go on.
    /// </summary>
    private static bool ShowsUserActivation(HttpRequest request, RequestFingerprint fingerprint)
    {
        var headers = request.Headers;
        if (!headers.ContainsKey("Sec-Fetch-Mode"))
        {
            return !(fingerprint.IsSecureContext && fingerprint.UserAgent is { } userAgent && BrowserClaims.SendsSecFetch(userAgent));
        }

        if (headers["Sec-Fetch-Mode"] != "navigate" || headers["Sec-Fetch-Site"] != "same-origin")
        {
            return false;
        }

        return headers["Sec-Fetch-User"] == "?1"
            || (fingerprint.UserAgent is { } claimed && BrowserClaims.ClaimsWebKitWithoutUserActivationHeader(claimed) && !ShowsChromium(headers));
    }

    /// <summary>
    /// What Chromium sends whatever User-Agent it is told to claim: its client hints (unless its driver drops them, as
    /// Puppeteer's setUserAgent does), and on a navigation an Accept that names image/apng and signed exchanges, which no
    /// WebKit accepts.
    /// </summary>
    private static bool ShowsChromium(IHeaderDictionary headers) =>
        headers.ContainsKey("Sec-CH-UA")
        || headers.Accept.Any(accept => accept is not null
            && (accept.Contains("application/signed-exchange", StringComparison.OrdinalIgnoreCase) || accept.Contains("image/apng", StringComparison.OrdinalIgnoreCase)));
}
