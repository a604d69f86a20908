using System.ComponentModel.DataAnnotations;

namespace LinkGateway.Memory;

public sealed class RedisOptions
{
    /// <summary>StackExchange.Redis configuration string; empty (default) = the in-process store.</summary>
    public string Configuration { get; set; } = string.Empty;

    /// <summary>Namespace of every key. Default "lg:"; change it only to share one Redis between deployments.</summary>
    public string KeyPrefix { get; set; } = "lg:";

    /// <summary>
    /// How long Redis may take to answer the store probe (an EVAL of "return 1", so a stall of reads or of writes shows) before it counts as slow. Default 20 ms. It measures Redis,
    /// not the gateway: requests themselves wait for their round trip as long as the probe says Redis answers
    /// (up to <see cref="MaxWait"/>).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan Budget { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>How often the store probe asks every Redis master. Default 100 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:10")]
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Failed probes in a row after which requests answer statelessly until a probe succeeds again. Default 2.</summary>
    [Range(1, 1000)]
    public int CircuitFailures { get; set; } = 2;

    /// <summary>
    /// The most one request waits for its round trip while the probe says Redis answers, a bound for a gateway so
    /// overloaded that its own queue holds requests this long. Default 500 ms.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:30")]
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Observations kept for the store while it is away, written when it is back; the oldest go first past it. Default 100,000.</summary>
    [Range(0, 10_000_000)]
    public int BacklogCapacity { get; set; } = 100_000;

    /// <summary>
    /// How long a starting node waits for an absent store before it becomes ready without it (stateless verdicts
    /// until Redis answers). Default 10 s; 0 makes a node ready at once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:05:00")]
    public TimeSpan WaitAtStart { get; set; } = TimeSpan.FromSeconds(10);

    public void Validate(List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(KeyPrefix))
        {
            errors.Add("LinkGateway:Redis:KeyPrefix: must not be empty (default \"lg:\")");
        }

        if (MaxWait < Budget)
        {
            errors.Add($"LinkGateway:Redis:MaxWait: {MaxWait.TotalMilliseconds:0} ms is shorter than Redis:Budget ({Budget.TotalMilliseconds:0} ms): a request waits the budget first");
        }

        if (string.IsNullOrWhiteSpace(Configuration))
        {
            return;
        }

        const string Example = "(expected e.g. \"redis:6379\" or \"host1:6379,host2:6379,password=...\")";
        var (parsed, problem) = Parse();
        if (problem is not null)
        {
            errors.Add($"LinkGateway:Redis:Configuration: {problem} {Example}");
        }
        else if (parsed is { EndPoints.Count: 0 })
        {
            errors.Add($"LinkGateway:Redis:Configuration: names no host:port {Example}");
        }
    }

    /// <summary>The configuration string as StackExchange.Redis reads it, or why it cannot (both null: the in-process store).</summary>
    public (StackExchange.Redis.ConfigurationOptions? Parsed, string? Problem) Parse()
    {
        if (string.IsNullOrWhiteSpace(Configuration))
        {
            return (null, null);
        }

        try
        {
            return (StackExchange.Redis.ConfigurationOptions.Parse(Configuration), null);
        }
        catch (Exception e) when (e is ArgumentException or FormatException) // "tunnel=bogus": UriFormatException
        {
            return (null, e.Message);
        }
    }
}

public sealed class MemoryOptions
{
    /// <summary>How long a client address stays tagged after a "bot" verdict. Default 24 hours.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00")]
    public TimeSpan TagTtl { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Most bytes the in-process store holds (estimated as it changes), at least 1 MiB: past it, expired
    /// entities go first, then the least recently used. Default 256 MiB, room for about a million
    /// entities on one node.
    /// </summary>
    [Range(typeof(long), "1048576", "1099511627776")]
    public long InProcessMaxBytes { get; set; } = 256L * 1024 * 1024;
}
