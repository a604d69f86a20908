namespace LinkGateway.Hosting;

/// <summary>
/// The configuration cannot run. Each error is one line that starts with the configuration key and
/// says what is wrong with it; start-up prints them and exits with code 2.
/// </summary>
public sealed class GatewayConfigurationException(IReadOnlyList<string> errors)
    : Exception(string.Join(Environment.NewLine, errors))
{
    /// <summary>The exit code of a command stopped by its configuration.</summary>
    public const int ExitCode = 2;

    public IReadOnlyList<string> Errors { get; } = errors;

    /// <summary>Runs a command; a configuration error is printed one line per problem and ends it with <see cref="ExitCode"/>.</summary>
    public static async Task<int> ReportAsync(Func<Task<int>> command, TextWriter error)
    {
        try
        {
            return await command().ConfigureAwait(false);
        }
        catch (GatewayConfigurationException e)
        {
            foreach (var problem in e.Errors)
            {
                await error.WriteLineAsync($"config error: {problem}").ConfigureAwait(false);
            }

            return ExitCode;
        }
    }
}
