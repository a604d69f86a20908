using System.Text.Json;
using LinkGateway.Infrastructure;
using LinkGateway.Signatures;
using Microsoft.Extensions.Time.Testing;
using Serilog.Events;

namespace LinkGateway.Admin;

/// <summary>Each network list's age, at start-up in the log and on the dashboard's data, with the lists past 90 days named.</summary>
public sealed class NetworkListAgeTests : IAsyncLifetime
{
    private static readonly SignatureSet _shipped = SignatureLoader.LoadDirectory(RepoFiles.Signatures);
    // A hundred days after the newest list was taken: every list is then stale, whatever the files' dates are.
    private static readonly DateOnly _today = _shipped.NetworkLists.Max(l => l.Taken).AddDays(100);

    private GatewayHost _host = null!;
    private AdminEndpoint _admin = null!;

    public async Task InitializeAsync()
    {
        _host = await GatewayHost.StartAsync(time: new FakeTimeProvider(new DateTimeOffset(_today.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)));
        _admin = await AdminEndpoint.StartAsync(_host);
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task StartUp_LogsTheOldestList_AndWarnsOfEveryStaleOne()
    {
        var oldest = _shipped.NetworkLists.MinBy(l => l.Taken)!;

        var summary = await _host.Log.WaitForAsync(e => e.MessageTemplate.Text.StartsWith("Network lists:", StringComparison.Ordinal));
        var warning = await _host.Log.WaitForAsync(e => e.Level == LogEventLevel.Warning && e.Properties.ContainsKey("StaleLists"));

        Assert.Equal(_shipped.NetworkLists.Count, Scalar<int>(summary, "Lists"));
        Assert.Equal(_shipped.NetworkLists.Sum(l => l.Ranges), Scalar<int>(summary, "Ranges"));
        Assert.Equal(oldest.AgeDays(_today), Scalar<int>(summary, "OldestDays"));
        Assert.Equal(_shipped.NetworkLists.Count, Scalar<int>(warning, "Count"));
        var stale = Scalar<string>(warning, "StaleLists");
        Assert.All(_shipped.NetworkLists, l => Assert.Contains($"{l.Family} ({l.AgeDays(_today)} days)", stale, StringComparison.Ordinal));
        Assert.Contains("refresh-networks", warning.RenderMessage(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stats_ListEveryNetworkList_WithItsDateAgeAndStaleness_OldestFirst()
    {
        using var stats = JsonDocument.Parse(await _admin.Client.GetStringAsync("/admin/stats"));
        var ages = stats.RootElement.GetProperty("networkLists");
        var lists = ages.GetProperty("lists").EnumerateArray().ToList();

        Assert.Equal(90, ages.GetProperty("staleAfterDays").GetInt32());
        Assert.Equal(_shipped.NetworkLists.Count, lists.Count);
        var apple = lists.Single(l => l.GetProperty("family").GetString() == "apple-proxy");
        Assert.Equal("person-relay", apple.GetProperty("category").GetString());
        Assert.Equal("https://mask-api.icloud.com/egress-ip-ranges.csv", apple.GetProperty("source").GetString());
        Assert.True(apple.GetProperty("ranges").GetInt32() > 10_000);
        foreach (var list in lists)
        {
            var taken = DateOnly.Parse(list.GetProperty("taken").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(_today.DayNumber - taken.DayNumber, list.GetProperty("ageDays").GetInt32());
            Assert.True(list.GetProperty("stale").GetBoolean());
        }

        var dates = lists.Select(l => l.GetProperty("taken").GetString()).ToList();
        Assert.Equal(dates.Order(StringComparer.Ordinal), dates);
    }

    private static T Scalar<T>(LogEvent e, string name) => (T)((ScalarValue)e.Properties[name]).Value!;
}
