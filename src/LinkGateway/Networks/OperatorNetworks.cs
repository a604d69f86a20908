using System.Net;
using LinkGateway.Fingerprinting;
using LinkGateway.Signals;
using LinkGateway.Signatures;

namespace LinkGateway.Networks;

/// <summary>
/// The runtime allow and deny lists as this node knows them: one <see cref="NetworkRangeSet"/> lookup per
/// request, swapped whole when the lists change (readers never lock).
/// </summary>
public sealed class OperatorNetworks
{
    private static readonly NetworkInfo _allow = new("operator-allow", NetworkCategory.PersonRelay, NetworkScope.All, Certainty.Certain);
    private static readonly NetworkInfo _deny = new("operator-deny", NetworkCategory.Vendor, NetworkScope.All, Certainty.Certain);

    private volatile Lists _current = new([], NetworkRangeSet.Empty);

    /// <summary>The entries in force on this node.</summary>
    public IReadOnlyList<OperatorNetwork> Entries => _current.Entries;

    /// <summary>net.allow or net.deny for an address on a list (a more specific network wins); nothing otherwise.</summary>
    public SignalSet SignalsFor(IPAddress? address) => _current.Ranges.Lookup(address) switch
    {
        null => SignalSet.Empty,
        var info when ReferenceEquals(info, _allow) => SignalSet.Empty.With(Signal.NetAllow),
        _ => SignalSet.Empty.With(Signal.NetDeny),
    };

    public void Replace(IReadOnlyList<OperatorNetwork> entries)
    {
        var ranges = new List<(IPNetwork, NetworkInfo)>(entries.Count);
        foreach (var entry in entries)
        {
            if (NetworkText.TryParse(entry.Network, out var network))
            {
                ranges.Add((network, entry.List == OperatorList.Allow ? _allow : _deny));
            }
        }

        _current = new Lists(entries, NetworkRangeSet.Build(ranges));
    }

    private sealed record Lists(IReadOnlyList<OperatorNetwork> Entries, NetworkRangeSet Ranges);
}
