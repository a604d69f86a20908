using System.Diagnostics;
using System.Globalization;

namespace LinkGateway.Infrastructure;

/// <summary>One request as nginx routed it: the location that answered ("unsubscribe", "confirm", "click", "other") and the request target it received.</summary>
public sealed record NginxHit(string Location, string RequestUri);

/// <summary>
/// A real nginx origin with default path handling (merge_slashes on: it merges slashes, decodes "%2F" and resolves
/// dot segments before matching locations), on a free loopback port, with ESP-like locations: "/u/" answers
/// "unsubscribed", "/d/" "confirmed", "/c/" a redirect. Its access log names the location of every request. Without
/// nginx the tests fail and say what to install; they never skip.
/// </summary>
public sealed class NginxOrigin : IAsyncDisposable
{
    private readonly DirectoryInfo _folder;
    private readonly Process _process;

    private NginxOrigin(DirectoryInfo folder, Process process, int port)
    {
        _folder = folder;
        _process = process;
        Address = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri Address { get; }

    private string AccessLog => Path.Combine(_folder.FullName, "access.log");

    public static async Task<NginxOrigin> StartAsync()
    {
        var executable = new[] { "/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx" }.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("No nginx for the path tests: install it (apt-get install -y nginx).");
        var folder = Directory.CreateTempSubdirectory("lg-nginx-");
        var port = RedisServer.FreeLoopbackPort();
        var config = Path.Combine(folder.FullName, "nginx.conf");
        await File.WriteAllTextAsync(config, Config(folder.FullName, port));

        // The pid file is written after the listening socket is open: its creation is the signal that nginx is ready.
        var pidFile = Path.Combine(folder.FullName, "nginx.pid");
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(folder.FullName, "nginx.pid") { EnableRaisingEvents = true };
        watcher.Created += (_, _) => ready.TrySetResult();

        var info = new ProcessStartInfo(executable) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { "-p", folder.FullName + "/", "-c", config, "-e", Path.Combine(folder.FullName, "error.log") })
        {
            info.ArgumentList.Add(arg);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        // On a thread-pool thread, where an exception ends the whole test run (as RedisServer's once did): nginx also exits
        // when it is stopped, after its folder may be gone, so only a start that has not succeeded reads the error log.
        process.Exited += (_, _) =>
        {
            if (ready.Task.IsCompleted)
            {
                return;
            }

            string said;
            try
            {
                said = File.ReadAllText(Path.Combine(folder.FullName, "error.log"));
            }
            catch (IOException e)
            {
                said = $"(its error log cannot be read: {e.Message})";
            }

            ready.TrySetException(new InvalidOperationException("nginx exited: " + said));
        };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var origin = new NginxOrigin(folder, process, port);
        try
        {
            if (!File.Exists(pidFile))
            {
                await ready.Task.WaitAsync(TimeSpan.FromSeconds(15));
            }
        }
        catch
        {
            await origin.DisposeAsync();
            throw;
        }

        return origin;
    }

    /// <summary>
    /// Every request nginx has logged, once all earlier requests are in the log: a marker request sent straight to
    /// nginx is awaited in the log (nginx's one process logs requests in the order it finishes them).
    /// </summary>
    public async Task<IReadOnlyList<NginxHit>> HitsAsync()
    {
        var marker = $"/_marker/{Guid.NewGuid():N}";
        var logged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var watcher = new FileSystemWatcher(_folder.FullName, "access.log") { EnableRaisingEvents = true };
        watcher.Changed += (_, _) =>
        {
            if (ReadHits().Any(h => h.RequestUri == marker))
            {
                logged.TrySetResult();
            }
        };
        using (var client = new HttpClient { BaseAddress = Address })
        {
            using var _ = await client.GetAsync(marker);
        }

        if (!ReadHits().Any(h => h.RequestUri == marker))
        {
            await logged.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }

        return [.. ReadHits().Where(h => !h.RequestUri.StartsWith("/_marker/", StringComparison.Ordinal))];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _folder.Delete(recursive: true);
    }

    private List<NginxHit> ReadHits()
    {
        // nginx appends while we read: open shared, and take only complete lines.
        using var stream = new FileStream(AccessLog, FileMode.OpenOrCreate, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var text = new StreamReader(stream).ReadToEnd();
        return [.. text.Split('\n').SkipLast(1).Select(line => line.Split(' ', 2)).Select(parts => new NginxHit(parts[0], parts[1]))];
    }

    private static string Config(string folder, int port) => string.Format(CultureInfo.InvariantCulture, """
        daemon off;
        master_process off;
        worker_processes 1;
        pid {0}/nginx.pid;
        error_log {0}/error.log warn;
        events {{ worker_connections 256; }}
        http {{
            client_body_temp_path {0}/body;
            proxy_temp_path {0}/proxy;
            fastcgi_temp_path {0}/fastcgi;
            uwsgi_temp_path {0}/uwsgi;
            scgi_temp_path {0}/scgi;
            default_type text/plain;
            log_format routed '$location $request_uri';
            access_log {0}/access.log routed;
            server {{
                listen 127.0.0.1:{1};
                set $location other;
                location /u/ {{ set $location unsubscribe; return 200 "unsubscribed"; }}
                location /d/ {{ set $location confirm; return 200 "confirmed"; }}
                location /c/ {{ set $location click; return 302 /landing; }}
                location / {{ return 404; }}
            }}
        }}
        """, folder, port);
}
