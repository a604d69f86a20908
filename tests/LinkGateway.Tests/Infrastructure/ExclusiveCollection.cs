namespace LinkGateway.Infrastructure;

/// <summary>Tests that measure the machine (load, saturation): run after the others, one at a time.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ExclusiveCollection
{
    public const string Name = "exclusive";
}
