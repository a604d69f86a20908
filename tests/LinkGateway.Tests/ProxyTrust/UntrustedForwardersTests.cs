using System.Net;
using LinkGateway.Observability;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.ProxyTrust;

/// <summary>Which peers are warned about, how often the log repeats it, and how much the list may hold.</summary>
public sealed class UntrustedForwardersTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-28T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly Lines _log = new();

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3")]
    [InlineData("172.31.255.1", "172.31.255.1")]
    [InlineData("192.168.0.9", "192.168.0.9")]
    [InlineData("100.64.0.1", "100.64.0.1")]
    [InlineData("169.254.1.1", "169.254.1.1")]
    [InlineData("fd00::7", "fd00::7")]
    [InlineData("fe80::1", "fe80::1")]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3")]
    [InlineData("203.0.113.7", null)] // a client on the internet that sends the header itself: nothing to fix
    [InlineData("172.32.0.1", null)]
    [InlineData("100.128.0.1", null)]
    [InlineData("8.8.8.8", null)]
    [InlineData("2001:db8::1", null)]
    public void UntrustedPeer_IsListed_OnlyWhenItsAddressIsPrivate(string peer, string? listed)
    {
        var forwarders = Create();

        forwarders.Seen(IPAddress.Parse(peer));

        var warnings = forwarders.Warnings();
        if (listed is null)
        {
            Assert.Empty(warnings);
            Assert.Empty(_log.Written);
        }
        else
        {
            Assert.StartsWith($"{listed}: 1 requests", Assert.Single(Assert.Single(warnings).Details));
            Assert.Contains($"X-Forwarded-For from {listed}, ", Assert.Single(_log.Written));
        }
    }

    [Fact]
    public void Source_IsLoggedOncePerHour_AndForgottenAfterAnHourOfQuiet()
    {
        var forwarders = Create();
        var peer = IPAddress.Parse("10.0.0.5");

        for (var i = 0; i < 100; i++)
        {
            forwarders.Seen(peer);
        }

        Assert.Single(_log.Written);
        _time.Advance(TimeSpan.FromMinutes(59));
        forwarders.Seen(peer);
        Assert.Single(_log.Written);
        _time.Advance(TimeSpan.FromMinutes(2));
        forwarders.Seen(peer);
        Assert.Equal(2, _log.Written.Count);

        _time.Advance(UntrustedForwarders.Forgotten + TimeSpan.FromSeconds(1));
        Assert.Empty(forwarders.Warnings());
    }

    [Fact]
    public void ManySources_AreBounded_TheRestCountedAndLoggedOnce()
    {
        var forwarders = Create();

        for (var i = 0; i < 40; i++)
        {
            forwarders.Seen(IPAddress.Parse($"10.0.1.{i}"));
        }

        var details = Assert.Single(forwarders.Warnings()).Details;
        Assert.Equal(UntrustedForwarders.MaxSources + 1, details.Count);
        Assert.Equal($"{40 - UntrustedForwarders.MaxSources} more requests from further private addresses (only {UntrustedForwarders.MaxSources} are named)", details[^1]);
        Assert.Equal(UntrustedForwarders.MaxSources + 1, _log.Written.Count);
    }

    private UntrustedForwarders Create()
    {
        var metrics = new GatewayMetrics(new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), _time,
            Memory.StoreCircuit.AlwaysClosed(_time), new LogQueue());
        return new UntrustedForwarders(metrics, _time, _log);
    }

    /// <summary>The warnings written, as text.</summary>
    private sealed class Lines : ILogger<UntrustedForwarders>
    {
        public List<string> Written { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Written.Add(formatter(state, exception));
    }
}
