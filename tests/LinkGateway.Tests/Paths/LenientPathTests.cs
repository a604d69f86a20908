using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace LinkGateway.Paths;

/// <summary>The lenient reading of a path: what the most permissive origin routes, as a table and as properties over generated paths.</summary>
public sealed class LenientPathTests
{
    [Theory]
    [InlineData("/u/m/r", "/u/m/r")]
    [InlineData("/u//m/r", "/u/m/r")]
    [InlineData("//u/m/r", "/u/m/r")]
    [InlineData("/u;x/m/r", "/u/m/r")]
    [InlineData("/u/m/r/..;/r", "/u/m/r")]
    [InlineData("/u%2Fm%2Fr", "/u/m/r")]
    [InlineData("/u%252Fm%252Fr", "/u/m/r")]
    [InlineData("/c/..%2F..%2Fu/m/r", "/u/m/r")]
    [InlineData("/u\\m\\r", "/u/m/r")]
    [InlineData("/u%5Cm%5Cr", "/u/m/r")]
    [InlineData("/u/./m/%2e/r/", "/u/m/r")]
    [InlineData("/../../u/m/r", "/u/m/r")]
    [InlineData("/%75/m/r", "/u/m/r")]
    [InlineData("/c/m/r/https%3A%2F%2Fexample.com", "/c/m/r/https:/example.com")]
    [InlineData("/c/m/%zz/%C0%AF", "/c/m/%zz/%C0%AF")]
    [InlineData("", "/")]
    [InlineData("/", "/")]
    public void ReadsAsThePermissiveOrigin_Routes(string path, string expected)
    {
        Assert.True(LenientPath.TryRead(path, out var reading));
        Assert.Equal(expected, reading);
    }

    [Theory]
    [InlineData("/c/m/r/l%00")]
    [InlineData("/c/m/r/l%2500")]
    [InlineData("/c/m/r/l\n")]
    [InlineData("/x%25251F")]
    [InlineData("/x%C2%85")]
    public void AControlCharacterAfterDecoding_IsRefused(string path) => Assert.False(LenientPath.TryRead(path, out _));

    [Theory]
    [InlineData("/u/m/r", "/u/m/r")]
    [InlineData("/u/%2E%2E/m/r", "/u/%2E%2E/m/r", "/m/r")] // nginx decodes once: a segment "%2E%2E" under /u
    [InlineData("/c/m/r/https:%2F%2Fx.example%2F%3Ftext=a%0Ab",
        "/c/m/r/https:%2F%2Fx.example%2F%3Ftext=a%0Ab", "/c/m/r/https:/x.example/?text=a\nb", "/c/m/r/https:/x.example/?text=ab", "/c/m/r/https:/x.example/?text=a")]
    [InlineData("/u/..%0A/%2E%2E/m/r", "/u/..%0A/%2E%2E/m/r", "/u/m/r", "/m/r", "/")] // kept, "..\n" is a segment, which the next ".." takes: /u/m/r
    public void ARequestPath_ReadsAsEveryOriginMightRouteIt(string path, params string[] readings) =>
        Assert.Equal(readings.Order(StringComparer.Ordinal), LenientPath.ReadRequestPath(path)!.Value.All.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("/c/m/r/l\n")]
    [InlineData("/c/m/r/l\u0000")]
    public void ARequestPath_WithAControlCharacterAsGiven_IsRefused(string path) => Assert.Null(LenientPath.ReadRequestPath(path));

    /// <summary>"/u/A" encoded over and over: read up to eight further decodings, refused past them (each round is a pass).</summary>
    [Theory]
    [InlineData(7, true)]
    [InlineData(8, true)]
    [InlineData(9, false)]
    [InlineData(3800, false)]
    public void APathEncodedOverAndOver_IsReadUpToEightDecodings(int times, bool read)
    {
        var path = "/u/%" + string.Concat(Enumerable.Repeat("25", times - 1)) + "41";

        Assert.Equal(read, LenientPath.ReadRequestPath(path) is not null);
        Assert.Equal(read, LenientPath.TryRead(path, out _));
    }

    /// <summary>Paths built from the pieces that origins read differently, plus any printable ASCII.</summary>
    private static Arbitrary<string> Paths() =>
        Gen.OneOf(
                Gen.Choose(0x20, 0x7E).Select(c => ((char)c).ToString()),
                Gen.Elements("/", "//", "\\", ".", "..", "/./", "/../", ";", ";x=1", "%", "%2F", "%2f", "%252F", "%25252F", "%2E", "%2e%2E", "%5C",
                    "%3B", "%25", "%zz", "%C0%AF", "%E4%B8%AD", "%E4%B8", "%00", "%2500", "u", "m", "r"))
            .ListOf().Select(string.Concat)
            .ToArbitrary();

    [Property(MaxTest = 2000)]
    public Property Reading_NeverThrows_AndIsIdempotent() => Prop.ForAll(Paths(), path =>
        !LenientPath.TryRead(path, out var reading)
        || (LenientPath.TryRead(reading, out var again) && again == reading));

    [Property(MaxTest = 2000)]
    public Property Reading_HasNoEmptyOrDotSegment_NorAnythingLeftToDecode() => Prop.ForAll(Paths(), path =>
    {
        if (!LenientPath.TryRead(path, out var reading))
        {
            return true.Label("refused");
        }

        var segments = reading.Split('/')[1..];
        return (reading.StartsWith('/')
                && !reading.Contains("//", StringComparison.Ordinal)
                && !reading.Contains('\\', StringComparison.Ordinal)
                && !reading.Contains(';', StringComparison.Ordinal)
                && (reading == "/" || segments.All(s => s is not ("" or "." or "..")))
                && Uri.UnescapeDataString(reading) == reading)
            .Label($"\"{path}\" read as \"{reading}\"");
    });

    /// <summary>A request path is refused only for a control character as given; its readings include the full decoding's.</summary>
    [Property(MaxTest = 2000)]
    public Property RequestPathReadings_IncludeTheFullReading() => Prop.ForAll(Paths(), path =>
        LenientPath.ReadRequestPath(path) is { } readings
            ? (!LenientPath.TryRead(path, out var reading) || readings.All.Contains(reading)).Label($"\"{path}\": {string.Join(" | ", readings.All)}")
            : (path.Any(char.IsControl) || !LenientPath.TryRead(path, out _)).Label($"\"{path}\" refused"));

    [Property(MaxTest = 500)]
    public Property Reading_OfAnyString_NeverThrows() => Prop.ForAll(ArbMap.Default.ArbFor<string>(), text =>
    {
        var read = LenientPath.TryRead(text, out var reading);
        return read == (reading is not null);
    });
}
