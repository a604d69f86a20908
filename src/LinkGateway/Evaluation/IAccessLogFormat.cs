namespace LinkGateway.Evaluation;

/// <summary>
/// One access-log layout that <c>evaluate</c> reads (docs/evaluate.md#formats). A format reads one line at a time; W3C
/// logs carry their columns in a <c>#Fields</c> directive, so an instance may keep state and serves one log.
/// </summary>
public interface IAccessLogFormat
{
    /// <summary>The name <c>--format</c> takes and the report prints.</summary>
    string Name { get; }

    /// <summary>
    /// The request of a line. Null with a <paramref name="refusal"/> when the line is not of this format; null without one
    /// when the line holds no request by design (a blank line, a W3C directive).
    /// </summary>
    ReplayRequest? Read(string line, long number, out string? refusal);
}
