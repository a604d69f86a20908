namespace LinkGateway.Hosts;

/// <summary>A request's Host as DNS reads it, for every place that compares hosts: the host policies and the shielded namespaces.</summary>
public static class HostName
{
    /// <summary>
    /// The name in a Host header, without its port and trailing dots ("Links.Example.com.:443" is Links.Example.com; YARP's
    /// host match takes "links.example.com." for another host, DNS does not). IPv6 literals keep their brackets. Case as
    /// written: callers compare ignoring it. A slice of <paramref name="host"/>, so a lookup allocates nothing.
    /// </summary>
    public static ReadOnlySpan<char> Of(ReadOnlySpan<char> host)
    {
        var colon = host.LastIndexOf(':');
        var bracket = host.LastIndexOf(']');
        // A port follows the last colon, unless that colon is inside an IPv6 literal ("[2001:db8::1]", or one written bare).
        if (colon > bracket && (bracket >= 0 || host.IndexOf(':') == colon))
        {
            host = host[..colon];
        }

        return host.TrimEnd('.');
    }
}
