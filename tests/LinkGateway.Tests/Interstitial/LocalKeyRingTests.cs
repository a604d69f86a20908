using System.Diagnostics;
using LinkGateway.Infrastructure;
using Serilog;
using Serilog.Extensions.Logging;

namespace LinkGateway.Interstitial;

/// <summary>This node's key ring folder read file by file: what is left out, what still throws, and how often it is said.</summary>
public sealed class LocalKeyRingTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-keys-local-");
    private readonly CapturingSink _log = new();
    private readonly SerilogLoggerFactory _loggers;

    public LocalKeyRingTests() => _loggers = new SerilogLoggerFactory(new LoggerConfiguration().WriteTo.Sink(_log).CreateLogger(), dispose: true);

    public void Dispose()
    {
        _loggers.Dispose();
        _folder.Delete(recursive: true);
    }

    // The ring is read again for each pass with a key id it does not know (two minutes after start): a client sending forged
    // ones must not write a warning each time. A file written again is named again.
    [Fact]
    public async Task DamagedFile_IsLeftOut_AndNamedOncePerVersion()
    {
        var ring = new LocalKeyRing(_folder, _loggers);
        ring.StoreElement(new System.Xml.Linq.XElement("key", new System.Xml.Linq.XAttribute("id", Guid.NewGuid())), "good");
        var damaged = Path.Combine(_folder.FullName, "key-damaged.xml");
        await File.WriteAllTextAsync(damaged, "<key");

        for (var i = 0; i < 50; i++)
        {
            Assert.Single(ring.GetAllElements());
        }

        Assert.Single(_log.Events, Named(damaged));
        await File.WriteAllTextAsync(damaged, "<key id=");
        File.SetLastWriteTimeUtc(damaged, DateTime.UtcNow.AddMinutes(1));
        Assert.Single(ring.GetAllElements());
        Assert.Equal(2, _log.Events.Count(e => Named(damaged)(e)));
    }

    // A FIFO named like a key would block the read (and with it start-up, or every shielded request) until a writer came;
    // an empty file or a device holds no key either. None is opened.
    [Fact]
    public async Task FifoOrEmptyFile_IsLeftOut_WithoutBeingOpened()
    {
        var fifo = Path.Combine(_folder.FullName, "key-fifo.xml");
        using (var mkfifo = Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Assert.Equal(0, mkfifo.ExitCode);
        }

        var empty = Path.Combine(_folder.FullName, "key-empty.xml");
        File.WriteAllText(empty, string.Empty);
        var ring = new LocalKeyRing(_folder, _loggers);

        // A blocked read never returns: it is run aside and waited for, 10 s at most.
        var read = Task.Run(ring.GetAllElements);
        Assert.Same(read, await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10))));
        Assert.Empty(await read);
        Assert.Single(_log.Events, Named(fifo));
        Assert.Single(_log.Events, Named(empty));
    }

    /// <summary>The warning that names <paramref name="file"/> as left out of the key ring (also read by the gateway-level test).</summary>
    internal static Predicate<Serilog.Events.LogEvent> Named(string file) =>
        e => e.MessageTemplate.Text.StartsWith("A file in the key ring folder is not a readable key", StringComparison.Ordinal)
             && e.Properties.TryGetValue("File", out var named) && named.ToString() == $"\"{file}\"";
}
