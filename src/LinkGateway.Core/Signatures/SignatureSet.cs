namespace LinkGateway.Signatures;

/// <summary>
/// Every signature the detector uses, compiled once. Immutable: a reload builds a new set and swaps
/// one reference, so a request always sees one consistent set.
/// </summary>
public sealed class SignatureSet
{
    public SignatureSet(UserAgentSignatures userAgents, UserAgentSignatures requestedWith, NetworkRangeSet networks, TlsSignatures tls, string version,
        IReadOnlyList<NetworkList>? networkLists = null)
    {
        NetworkLists = networkLists ?? [];
        UserAgents = userAgents;
        RequestedWith = requestedWith;
        Networks = networks;
        Tls = tls;
        Version = version;
    }

    public static SignatureSet Empty { get; } = new(UserAgentSignatures.Empty, UserAgentSignatures.Empty, NetworkRangeSet.Empty, TlsSignatures.Empty, "empty");

    public UserAgentSignatures UserAgents { get; }

    /// <summary>Patterns of the X-Requested-With header that Android in-app browsers send (the app's package name).</summary>
    public UserAgentSignatures RequestedWith { get; }

    public NetworkRangeSet Networks { get; }

    /// <summary>The network files the ranges came from, each with its date: how old each list is.</summary>
    public IReadOnlyList<NetworkList> NetworkLists { get; }

    /// <summary>JA4 fingerprints of tools, and the cipher hashes of browsers' TLS stacks.</summary>
    public TlsSignatures Tls { get; }

    /// <summary>A digest of the files it was built from, so operators can tell which set a node runs.</summary>
    public string Version { get; }
}
