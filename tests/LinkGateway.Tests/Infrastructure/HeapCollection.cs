namespace LinkGateway.Infrastructure;

/// <summary>Tests that measure the managed heap run alone, after the others, so no other test's allocations blur the figure.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeapCollection
{
    public const string Name = "heap";
}
