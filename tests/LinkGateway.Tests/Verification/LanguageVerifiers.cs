using System.Diagnostics;

namespace LinkGateway.Verification;

/// <summary>
/// Runs a verifier under src/verifiers/&lt;language&gt;/ as a real process over a vector file and reads what it printed
/// ("name TAB outcome" per vector). Each needs its interpreter or toolchain from Debian (python3, nodejs, php-cli,
/// golang-go); without one the run fails naming the package to install.
/// </summary>
public static class LanguageVerifiers
{
    private static readonly string _folder = Path.Combine(RepoFiles.Root, "src", "verifiers");

    /// <param name="language">python, node, php or go.</param>
    /// <param name="vectorFile">The vector file to run over.</param>
    /// <param name="searchPath">Where to look for the interpreter; PATH when null.</param>
    public static async Task<IReadOnlyDictionary<string, string>> RunAsync(string language, string vectorFile, string? searchPath = null)
    {
        using var scratch = new ScratchFolder();
        var (executable, package, arguments, workingDirectory) = language switch
        {
            "python" => ("python3", "python3", new[] { Path.Combine(_folder, "python", "run_vectors.py"), vectorFile }, Path.Combine(_folder, "python")),
            "node" => ("node", "nodejs", [Path.Combine(_folder, "node", "run-vectors.js"), vectorFile], Path.Combine(_folder, "node")),
            "php" => ("php", "php-cli", [Path.Combine(_folder, "php", "run-vectors.php"), vectorFile], Path.Combine(_folder, "php")),
            // Debian's Go 1.19; its build cache and module path go to a temporary folder (CI runs as root on a fresh machine).
            "go" => ("go", "golang-go", ["run", "./cmd/run-vectors", vectorFile], Path.Combine(_folder, "go")),
            _ => throw new ArgumentOutOfRangeException(nameof(language), language, "no verifier for this language"),
        };
        var path = FindOnPath(executable, searchPath ?? Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
                   ?? throw new InvalidOperationException($"`{executable}` not found for the {language} verifier: install it (apt-get install -y {package}).");

        var info = new ProcessStartInfo(path)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        info.Environment["GOCACHE"] = Path.Combine(scratch.Path, "gocache");
        info.Environment["GOPATH"] = Path.Combine(scratch.Path, "gopath");
        info.Environment["GOFLAGS"] = "-mod=mod";
        info.Environment["GOPROXY"] = "off";
        info.Environment["GOTOOLCHAIN"] = "local";
        info.Environment["PYTHONDONTWRITEBYTECODE"] = "1";

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the {language} verifier did not finish within 3 minutes: {await errors}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"the {language} verifier exited with {process.ExitCode}: {await errors}{await output}");
        }

        return (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split('\t'))
            .ToDictionary(parts => parts[0], parts => parts.Length == 2 ? parts[1].TrimEnd('\r') : "unreadable line");
    }

    private static string? FindOnPath(string executable, string searchPath) =>
        searchPath.Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(folder => Path.Combine(folder, executable))
        .FirstOrDefault(File.Exists);

    private sealed class ScratchFolder : IDisposable
    {
        private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("lg-verifier-");

        public string Path => _folder.FullName;

        public void Dispose()
        {
            try
            {
                _folder.Delete(recursive: true);
            }
            catch (IOException)
            {
                // Go marks its module cache read-only; a leftover temporary folder is harmless.
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }
}
