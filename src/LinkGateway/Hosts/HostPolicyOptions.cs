using LinkGateway.Contracts;

namespace LinkGateway.Hosts;

/// <summary>
/// One entry of LinkGateway:Hosts: the policy of the tracking domains its name matches (an exact name, "*.example.com" for
/// every name under example.com, or "*" for every host no other entry names). A route's own Metadata wins over it, and it
/// wins over the global settings (docs/reference/configuration.md, "Hosts").
/// </summary>
public sealed class HostPolicyOptions
{
    /// <summary>auto or always, for unsubscribe and confirm routes whose Metadata names no Shield. Default: the route's (auto).</summary>
    public ShieldMode? Shield { get; set; }

    /// <summary>Per reason code, a weight in 0..1 that replaces LinkGateway:Weights for these hosts. Unlisted codes keep the global weight.</summary>
    public Dictionary<string, double> Weights { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The brand the interstitial shows for these hosts (route Metadata "Brand" wins). Default none.</summary>
    public string? Brand { get; set; }

    /// <summary>
    /// Send the origin the Host the client asked for, not the destination's own. Default true for a named host, false for "*":
    /// under "*" the Host is whatever a client writes, and an origin that routes by Host would serve it.
    /// </summary>
    public bool? ForwardHost { get; set; }
}
