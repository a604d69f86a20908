namespace LinkGateway.Contracts;

/// <summary>
/// The gateway's own short answers (400, 413, 429, 500, 503): plain text, never cached, and nothing in them about the
/// request or the gateway, so a client learns no more than the status says.
/// </summary>
public static class PlainAnswer
{
    public static Task WriteAsync(HttpContext context, int status, string text)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "text/plain; charset=utf-8";
        response.Headers.CacheControl = "no-store";
        var body = System.Text.Encoding.UTF8.GetBytes(text);
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }

    public static Task BadRequestAsync(HttpContext context) => WriteAsync(context, StatusCodes.Status400BadRequest, "Bad request.");
}
