using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using LinkGateway.Links;
using LinkGateway.Scoring;
using LinkGateway.Signals;
using LinkGateway.Signatures;
using LinkGateway.TestSupport;

namespace LinkGateway.Fingerprinting;

/// <summary>
/// Properties of fingerprint handling over arbitrary input (FsCheck): whatever a client sends, detection and scoring
/// answer, stay in range, and are deterministic.
/// </summary>
public sealed class FingerprintProperties
{
    private static readonly StatelessDetector _detector = new(SignatureLoader.LoadDirectory(RepoFiles.Signatures));
    private static readonly VerdictScorer _scorer = new(ScoringPolicy.Default);

    /// <summary>Any text: control characters, surrogates, very long runs, and pieces of real User-Agents glued together.</summary>
    private static Arbitrary<string?> HostileText() => Gen.OneOf(
            ArbMap.Default.GeneratorFor<string>(),
            Gen.Elements(Requests.Chrome, "curl/8.5.0", "HeadlessChrome", "BingPreview", "\0", "\r\n", "\uD800", "()", "Mozilla/5.0 (", new string('(', 5000)),
            Gen.Constant<string>(null!))
        .Select(s => (string?)s)
        .ListOf().Select(parts => parts.Count == 0 ? null : string.Concat(parts))
        .ToArbitrary();

    [Property(MaxTest = 500)]
    public Property DetectAndScore_AnswerInRange_ForAnyHeaders()
    {
        var gen = from userAgent in HostileText().Generator
                  from accept in HostileText().Generator
                  from method in Gen.Elements("GET", "HEAD", "POST", "PUT", "OPTIONS", "get", "")
                  from kind in Gen.Elements(Enum.GetValues<LinkKind>())
                  from flags in Gen.Choose(0, 15)
                  select new RequestFingerprint
                  {
                      Method = method,
                      Kind = kind,
                      UserAgent = userAgent,
                      Accept = accept,
                      HasAcceptLanguage = (flags & 1) != 0,
                      HasSecFetch = (flags & 2) != 0,
                      IsSecureContext = (flags & 4) != 0,
                      HeadersUnknown = (flags & 8) != 0,
                      ReceivedAt = Requests.Now,
                  };
        return Prop.ForAll(gen.ToArbitrary(), request =>
        {
            var verdict = _scorer.Score(_detector.Detect(request));
            var again = _scorer.Score(_detector.Detect(request));
            return verdict.Score is >= 0 and <= 100
                   && verdict.Kind == _scorer.Policy.Classify(verdict.Score)
                   && verdict.Reasons.Split(',', StringSplitOptions.RemoveEmptyEntries).All(code => SignalCatalog.TryParse(code, out _))
                   && verdict == again;
        });
    }

    [Property(MaxTest = 500)]
    public Property ClientShapeKey_IsDeterministicAndBounded_ForAnyUserAgent()
    {
        return Prop.ForAll(HostileText(), userAgent =>
        {
            var request = Requests.Browser(userAgent: userAgent);
            var key = ClientShape.Key(request, "198.51.100.0/24");
            return key == ClientShape.Key(request, "198.51.100.0/24") && key.Length <= 64 && key != ClientShape.Key(request, "203.0.113.0/24");
        });
    }

    [Property(MaxTest = 1000)]
    public Property NetworkPrefix_ContainsItsAddress_ForAnyAddress()
    {
        var gen = Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 4),
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b), 16)).Select(bytes => new IPAddress(bytes));
        return Prop.ForAll(gen.ToArbitrary(), address =>
        {
            var prefix = NetworkPrefix.Of(address)!;
            var network = IPNetwork.Parse(prefix);
            var plain = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
            return network.Contains(plain) && network.PrefixLength == (plain.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 24 : 48);
        });
    }
}
