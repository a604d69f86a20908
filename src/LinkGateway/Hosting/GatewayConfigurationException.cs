namespace LinkGateway.Hosting;

/// <summary>
/// The configuration cannot run. Each error is one line that starts with the configuration key and
/// says what is wrong with it; start-up prints them and exits with code 2.
/// </summary>
public sealed class GatewayConfigurationException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
