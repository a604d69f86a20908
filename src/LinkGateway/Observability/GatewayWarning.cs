namespace LinkGateway.Observability;

/// <summary>Something an operator should fix that does not stop the node from serving: /readyz and the dashboard list them.</summary>
public sealed record GatewayWarning(string Code, string Message, IReadOnlyList<string> Details);
