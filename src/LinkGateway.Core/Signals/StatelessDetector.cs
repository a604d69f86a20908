using LinkGateway.Fingerprinting;
using LinkGateway.Links;
using LinkGateway.Signatures;

namespace LinkGateway.Signals;

/// <summary>
/// The signals that need nothing but the request itself: User-Agent, network, header shape, method and
/// time since send. Pure and allocation-free; the stateful signals come from the store and are added
/// to the same <see cref="SignalSet"/> by the host.
/// </summary>
public sealed class StatelessDetector
{
    public StatelessDetector(SignatureSet signatures, TimingOptions? options = null)
    {
        Signatures = signatures;
        Options = options ?? TimingOptions.Default;
    }

    public SignatureSet Signatures { get; }

    public TimingOptions Options { get; }

    public SignalSet Detect(in RequestFingerprint request) => Detect(request, out _);

    /// <param name="network">The known network the client's address is in (a relay, a cloud, …), or null: the host reads it too.</param>
    public SignalSet Detect(in RequestFingerprint request, out NetworkInfo? network)
    {
        var signals = SignalSet.Empty;
        var userAgent = request.UserAgent;

        if (string.IsNullOrWhiteSpace(userAgent))
        {
            signals = signals.With(Signal.UaMissing);
        }
        else
        {
            signals = signals.Union(ClientSignals(Signatures.UserAgents.Match(userAgent), request.Kind));
        }

        if (Signatures.RequestedWith.Match(request.RequestedWith) == ClientCategory.MailClient)
        {
            signals = signals.With(Signal.ClientMailApp);
        }

        if (HttpMethodIs(request.Method, "HEAD"))
        {
            signals = signals.With(Signal.MethodHead);
        }

        if (!request.HeadersUnknown)
        {
            signals = signals.Union(HeaderShapeSignals(request, userAgent));
        }

        if (request.Ja4 is { } ja4)
        {
            signals = signals.Union(TlsSignals(ja4, userAgent));
        }

        network = Signatures.Networks.Lookup(request.ClientAddress);
        if (network is not null)
        {
            signals = signals.Union(NetworkSignals(network, request.Kind));
            if (signals.Contains(Signal.OpenProxyHuman) && network.ImageProxy?.IsMatch(userAgent!) == true)
            {
                signals = signals.With(Signal.NetImageProxy);
            }
        }

        if (request.Identity.SentAt is { } sentAt)
        {
            signals = signals.Union(Timing(request.ReceivedAt, sentAt));
        }

        return signals;
    }

    /// <summary>timing.fast when the request came within <see cref="TimingOptions.FastAfterSend"/> of the send.</summary>
    public SignalSet Timing(DateTimeOffset receivedAt, DateTimeOffset sentAt)
    {
        var sinceSend = receivedAt - sentAt;
        return sinceSend >= TimeSpan.Zero && sinceSend < Options.FastAfterSend ? SignalSet.Empty.With(Signal.TimingFast) : SignalSet.Empty;
    }

    private static SignalSet HeaderShapeSignals(in RequestFingerprint request, string? userAgent)
    {
        var signals = SignalSet.Empty;
        if (!request.HasAcceptLanguage)
        {
            signals = signals.With(Signal.HdrNoAcceptLanguage);
        }

        if (string.IsNullOrWhiteSpace(request.Accept) || request.Accept.Trim() == "*/*")
        {
            signals = signals.With(Signal.HdrAcceptAny);
        }

        // Browsers send Sec-Fetch-* only to secure origins; over plain HTTP its absence proves nothing.
        if (request.IsSecureContext && !request.HasSecFetch && userAgent is not null && BrowserClaims.SendsSecFetch(userAgent))
        {
            signals = signals.With(Signal.HdrNoSecFetch);
        }

        return signals;
    }

    private SignalSet TlsSignals(string ja4, string? userAgent)
    {
        var signals = SignalSet.Empty;
        var tls = Signatures.Tls;
        if (tls.IsToolClientHello(ja4))
        {
            signals = signals.With(Signal.TlsJa4);
        }

        if (userAgent is not null && BrowserClaims.ClaimsChromium(userAgent) && tls.KnowsChromium && !tls.IsChromiumClientHello(ja4))
        {
            signals = signals.With(Signal.TlsMismatch);
        }

        return signals;
    }

    private static SignalSet ClientSignals(ClientCategory category, LinkKind kind) => category switch
    {
        ClientCategory.Scanner => SignalSet.Empty.With(Signal.UaScanner),
        ClientCategory.Library => SignalSet.Empty.With(Signal.UaLibrary),
        ClientCategory.Headless => SignalSet.Empty.With(Signal.UaHeadless),
        ClientCategory.Crawler => SignalSet.Empty.With(Signal.UaCrawler),
        ClientCategory.MailClient => SignalSet.Empty.With(Signal.ClientMailApp),
        // Image proxies and privacy prefetchers only mean something on the open pixel.
        ClientCategory.ImageProxy when kind == LinkKind.Open => SignalSet.Empty.With(Signal.OpenProxyHuman),
        ClientCategory.MachineOpen when kind == LinkKind.Open => SignalSet.Empty.With(Signal.OpenMachine),
        _ => SignalSet.Empty,
    };

    private static SignalSet NetworkSignals(NetworkInfo network, LinkKind kind)
    {
        if (network.Scope == NetworkScope.Clicks && kind == LinkKind.Open)
        {
            return SignalSet.Empty;
        }

        return network.Category switch
        {
            NetworkCategory.Vendor => SignalSet.Empty.With(network.Certainty == Certainty.Certain ? Signal.NetVendor : Signal.NetVendorProbable),
            NetworkCategory.Datacenter => SignalSet.Empty.With(Signal.NetDatacenter),
            NetworkCategory.Crawler => SignalSet.Empty.With(Signal.NetCrawler),
            NetworkCategory.Monitor => SignalSet.Empty.With(Signal.NetMonitor),
            NetworkCategory.LinkPreviewer => SignalSet.Empty.With(Signal.NetPreviewer),
            // A relay carries people: no evidence either way (the behaviour signals read the category themselves).
            _ => SignalSet.Empty,
        };
    }

    private static bool HttpMethodIs(string method, string expected) => string.Equals(method, expected, StringComparison.OrdinalIgnoreCase);
}
