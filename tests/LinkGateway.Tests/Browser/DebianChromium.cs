using Microsoft.Playwright;

namespace LinkGateway.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright. Playwright never downloads a browser here: the executable is
/// /usr/bin/chromium (apt-get install chromium), and without it the tests fail saying so.
/// </summary>
public sealed class DebianChromium : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    /// <summary>Where screenshots are kept: the test output folder's artifacts/ (CI keeps it with the run).</summary>
    public static string ArtifactsFolder { get; } = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts")).FullName;

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException($"{ExecutablePath} not found: install Debian's Chromium (apt-get install -y chromium).");
        }

        _playwright = await Playwright.CreateAsync();
        Browser = await LaunchAsync(ExecutablePath);
    }

    /// <summary>Another Chromium, started through <paramref name="launcher"/> (e.g. inside a <see cref="Infrastructure.PrivateNetwork"/>); the caller disposes it.</summary>
    public Task<IBrowser> LaunchAsync(string launcher) => _playwright!.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
    {
        ExecutablePath = launcher,
        Headless = true,
        // As root in a sandbox-less container; the rest keeps Chromium from calling out of this closed network.
        Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
    }
}
