using System.Reflection;

namespace LinkGateway.Contracts;

/// <summary>
/// The version and commit this gateway was built from: the informational version the SDK stamps ("1.0.0+COMMIT"), split at
/// its '+'. Read once; shown by <c>--version</c> and the start-up summary, and exported as <c>linkgateway_build_info</c>.
/// </summary>
public static class BuildVersion
{
    public static (string Version, string? Commit) Current { get; } = Read();

    private static (string, string?) Read()
    {
        var informational = typeof(BuildVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        var plus = informational.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? (informational, null) : (informational[..plus], informational[(plus + 1)..]);
    }
}
