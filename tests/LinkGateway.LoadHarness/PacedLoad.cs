using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

/// <summary>
/// A load generator that sends at a fixed rate, as wrk2 does (Debian packages none): request i is due at start + i / rate,
/// and its latency runs from when it was due, not from when it went out, so a proxy that stalls is charged for every request
/// that had to wait behind the stall (coordinated omission, Gil Tene). People's clicks, as tests/load/human.lua sends them:
/// a browser's headers, a new recipient and a new client address (X-Forwarded-For, trusted from loopback) per request.
///   paced --target http://127.0.0.1:PORT --rate 5000 --seconds 10 [--warmup 5] [--connections 32] [--base 0] [--sent-ago S] [--timeline FILE]
/// --base numbers the clicks from there (their addresses and recipients follow the number), so a run after another sends
/// new clicks, not the same again. --sent-ago gives each click the send time S seconds before it ("t", as human.lua's
/// SENT_AGO): a person reading the mail after the delivery window. --warmup sends that many seconds first, at the same rate, counted nowhere. --timeline writes one line per request,
/// "due-ms latency-ms service-ms", in the order they were due (the warm-up's with negative due times): where a tail comes
/// from (one stall, a period, spread) shows there and nowhere in the percentiles.
/// Prints one line: "sent N (after W not counted) rate R/s (whole run) errors E (warm-up E) p50 X p90 X p99 X p99.9 X max X ms (from due time); service p99 X ms".
/// </summary>
internal static partial class PacedLoad
{
    public static async Task<int> RunAsync(string[] args)
    {
        var options = args.Chunk(2).Where(pair => pair.Length == 2).ToDictionary(pair => pair[0].TrimStart('-'), pair => pair[1]);
        if (!options.TryGetValue("target", out var target) || !Uri.TryCreate(target, UriKind.Absolute, out var baseAddress)
            || !IPAddress.TryParse(baseAddress.Host.Trim('[', ']'), out var host) || !IPAddress.IsLoopback(host)
            || !int.TryParse(options.GetValueOrDefault("rate"), CultureInfo.InvariantCulture, out var rate) || rate is < 1 or > 1_000_000
            || !int.TryParse(options.GetValueOrDefault("seconds", "10"), CultureInfo.InvariantCulture, out var seconds) || seconds is < 1 or > 600
            || !int.TryParse(options.GetValueOrDefault("warmup", "5"), CultureInfo.InvariantCulture, out var warmupSeconds) || warmupSeconds is < 0 or > 60
            || !int.TryParse(options.GetValueOrDefault("connections", "32"), CultureInfo.InvariantCulture, out var connections) || connections is < 1 or > 10_000
            || !int.TryParse(options.GetValueOrDefault("base", "0"), CultureInfo.InvariantCulture, out var clickBase) || clickBase is < 0 or > 1_000_000_000
            || !TrySentAgo(options.GetValueOrDefault("sent-ago"), out var sentAgo))
        {
            Console.Error.WriteLine("usage: paced --target http://127.0.0.1:PORT (loopback only) --rate 1..1000000 --seconds 1..600 [--warmup 0..60] [--connections 1..10000] [--base 0..1000000000] [--sent-ago 0..31536000] [--timeline FILE]");
            return 2;
        }

        using var client = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = connections,
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
        })
        { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };

        // The first seconds go at the same rate and are not counted: this process's own start (connections opened, its code
        // compiled and recompiled by tiered JIT, its thread pool grown) stalled every proxy's first 100 ms and again near 1.4 s
        // by up to 60 ms, charged to the proxy as latency from due time (2026-11-29, per-request timelines).
        var warmup = rate * warmupSeconds;
        var total = warmup + (rate * seconds);
        var fromDue = new double[total];
        var service = new double[total];
        var failed = new bool[total];
        var sends = new Task[total];
        var start = Stopwatch.GetTimestamp();
        var ticksPerRequest = (double)Stopwatch.Frequency / rate;
        // One thread of its own sends everything due, then naps 100 µs (Linux; a millisecond elsewhere). A timer of the thread
        // pool fires about every millisecond and later under load, and every request it sends late counts as latency from due
        // time: with it, plain YARP's p50 at 1,000 req/s was 2.6 ms on loopback. Late sends still count against the proxy,
        // so the figures err on the slow side.
        await Task.Factory.StartNew(() =>
        {
            for (var next = 0; next < total;)
            {
                var now = Stopwatch.GetTimestamp();
                while (next < total && start + (long)(next * ticksPerRequest) <= now)
                {
                    var i = next++;
                    sends[i] = SendAsync(client, i, clickBase + i, sentAgo, start + (long)(i * ticksPerRequest), fromDue, service, failed);
                }

                Nap();
            }
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);

        await Task.WhenAll(sends).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalSeconds;
        if (options.TryGetValue("timeline", out var timeline))
        {
            await File.WriteAllLinesAsync(timeline, Enumerable.Range(0, total).Select(i => string.Create(CultureInfo.InvariantCulture,
                $"{(i - warmup) * 1000.0 / rate:F3} {fromDue[i]:F3} {service[i]:F3}"))).ConfigureAwait(false);
        }

        var measured = fromDue[warmup..];
        var measuredService = service[warmup..];
        Array.Sort(measured);
        Array.Sort(measuredService);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sent {total - warmup} (after {warmup} not counted) rate {total / elapsed:F0}/s (whole run) errors {failed[warmup..].Count(f => f)} (warm-up {failed[..warmup].Count(f => f)}) p50 {At(measured, 0.50):F3} p90 {At(measured, 0.90):F3} p99 {At(measured, 0.99):F3} p99.9 {At(measured, 0.999):F3} max {measured[^1]:F3} ms (from due time); service p99 {At(measuredService, 0.99):F3} ms"));
        return 0;
    }

    private static readonly string[] _platforms = ["Windows NT 10.0; Win64; x64", "Macintosh; Intel Mac OS X 10_15_7"];
    private static readonly string[] _versions = ["128.0.0.0", "129.0.0.0", "130.0.0.0", "131.0.0.0"];

    /// <summary>No --sent-ago: the links carry no send time (null); else whole seconds, at most a year.</summary>
    private static bool TrySentAgo(string? text, out int? seconds)
    {
        seconds = null;
        if (text is null)
        {
            return true;
        }

        var valid = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 31_536_000;
        seconds = valid ? value : null;
        return valid;
    }

    private static async Task SendAsync(HttpClient client, int i, int n, int? sentAgo, long due, double[] fromDue, double[] service, bool[] failed)
    {
        // The clicks of tests/load/browser.lua (which says why the User-Agent changes with each pass over the /24s).
        var address = $"100.{64 + (n % 60)}.{n / 60 % 250}.{(n / 15000 % 250) + 1}";
        var pass = n / 15000;
        var sentAt = sentAgo is { } ago ? string.Create(CultureInfo.InvariantCulture, $"?t={DateTimeOffset.UtcNow.ToUnixTimeSeconds() - ago}") : "";
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/c/m-paced/r-{n}/l-1{sentAt}");
        request.Headers.TryAddWithoutValidation("User-Agent",
            $"Mozilla/5.0 ({_platforms[pass % 2]}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/{_versions[pass / 2 % 4]} Safari/537.36");
        request.Headers.TryAddWithoutValidation("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8");
        request.Headers.TryAddWithoutValidation("Accept-Language", "en-GB,en;q=0.9");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Mode", "navigate");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Site", "cross-site");
        request.Headers.TryAddWithoutValidation("Sec-Fetch-Dest", "document");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", address);
        var sent = Stopwatch.GetTimestamp();
        try
        {
            using var response = await client.SendAsync(request).ConfigureAwait(false);
            if ((int)response.StatusCode >= 400)
            {
                failed[i] = true;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            failed[i] = true;
        }

        var done = Stopwatch.GetTimestamp();
        fromDue[i] = Stopwatch.GetElapsedTime(due, done).TotalMilliseconds;
        service[i] = Stopwatch.GetElapsedTime(sent, done).TotalMilliseconds;
    }

    private static void Nap()
    {
        if (OperatingSystem.IsLinux())
        {
            _ = Sleep(100);
        }
        else
        {
            Thread.Sleep(1);
        }
    }

    [LibraryImport("libc", EntryPoint = "usleep")]
    private static partial int Sleep(uint microseconds);

    private static double At(double[] sorted, double quantile) => sorted[Math.Min(sorted.Length - 1, (int)(quantile * sorted.Length))];
}
