using System.Text.Json;
using System.Text.Json.Serialization;

namespace LinkGateway.Networks;

/// <summary>Which list an operator put a network on; stored by name.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<OperatorList>))]
public enum OperatorList : byte
{
    /// <summary>People: requests from here carry <c>net.allow</c>, which cancels automation evidence (an office proxy that looks like a bot).</summary>
    [JsonStringEnumMemberName("allow")]
    Allow,
    /// <summary>Scanners: requests from here carry <c>net.deny</c> (a sandbox range found in the logs). A pass through the interstitial still wins.</summary>
    [JsonStringEnumMemberName("deny")]
    Deny,
}

/// <summary>A network an operator added at runtime through the admin API; kept in the store, seen by every node.</summary>
/// <param name="Network">CIDR, host bits zero ("203.0.113.0/24").</param>
public sealed record OperatorNetwork(string Network, OperatorList List, string? Note, DateTimeOffset AddedAt)
{
    private static readonly JsonSerializerOptions _json = new(JsonSerializerDefaults.Web);

    public string Serialize() => JsonSerializer.Serialize(this, _json);

    public static OperatorNetwork Parse(string json) =>
        JsonSerializer.Deserialize<OperatorNetwork>(json, _json) ?? throw new JsonException("An operator network entry is empty.");
}
