namespace LinkGateway.Admin;

/// <summary>
/// The dashboard's three files, embedded in the assembly and served by the admin port without a token: they
/// hold no data (the page asks for the token and fetches /admin/stats with it) and load nothing from elsewhere.
/// </summary>
internal static class AdminDashboard
{
    private const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'";

    private static readonly (string Path, string Resource, string ContentType)[] _files =
    [
        ("/admin/dashboard", "dashboard/dashboard.html", "text/html; charset=utf-8"),
        ("/admin/dashboard.js", "dashboard/dashboard.js", "text/javascript; charset=utf-8"),
        ("/admin/dashboard.css", "dashboard/dashboard.css", "text/css; charset=utf-8"),
    ];

    public static bool IsDashboardFile(PathString path) => _files.Any(f => path.Equals(f.Path, StringComparison.Ordinal));

    public static void Map(WebApplication app)
    {
        foreach (var (path, resource, contentType) in _files)
        {
            var bytes = Read(resource);
            app.MapGet(path, (HttpContext context) =>
            {
                context.Response.Headers.ContentSecurityPolicy = ContentSecurityPolicy;
                context.Response.Headers.CacheControl = "no-store";
                context.Response.Headers.XContentTypeOptions = "nosniff";
                return Results.Bytes(bytes, contentType);
            });
        }
    }

    private static byte[] Read(string resource)
    {
        using var stream = typeof(AdminDashboard).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The dashboard file {resource} is not embedded in the assembly.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
