namespace LinkGateway.Contracts;

/// <summary>The store's part in a judgement, for metrics.</summary>
/// <param name="Elapsed">The round trip's duration; null when the store was not asked (circuit open) or did not answer.</param>
/// <param name="TaggedAddress">The client address was newly tagged (on stateless evidence in the round trip, or by behaviour after it).</param>
/// <param name="TaggedShape">The client shape was newly tagged.</param>
public readonly record struct StoreOutcome(TimeSpan? Elapsed, bool TaggedAddress, bool TaggedShape);
