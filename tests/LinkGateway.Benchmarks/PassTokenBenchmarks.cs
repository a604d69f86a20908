using BenchmarkDotNet.Attributes;
using LinkGateway.Hosting;
using LinkGateway.Interstitial;
using LinkGateway.Memory;
using LinkGateway.Signals;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;

namespace LinkGateway.Benchmarks;

/// <summary>The interstitial's pass token: issue, and read (all the crypto; the nonce is the store's, measured elsewhere).</summary>
[MemoryDiagnoser]
public class PassTokenBenchmarks
{
    private static readonly PassHolder _holder = PassHolder.Of(System.Net.IPAddress.Parse("198.51.100.7"), "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36");

    private PassTokens _tokens = null!;
    private string _token = string.Empty;

    [GlobalSetup]
    public void Setup()
    {
        var options = new LinkGatewayOptions();
        var memory = new InProcessGatewayMemory(new MemoryKeys("lg:"), TimeProvider.System, 16 * 1024 * 1024);
        var marks = new SingleUseMarks(memory, StoreCircuit.AlwaysClosed(TimeProvider.System), options.Redis, TimeProvider.System, NullLogger<SingleUseMarks>.Instance);
        _tokens = new PassTokens(new EphemeralDataProtectionProvider(), marks, options.Shield, TimeProvider.System);
        _token = _tokens.IssueToken("/u/m-1001/r-42", _holder);
    }

    [Benchmark]
    public string Issue() => _tokens.IssueToken("/u/m-1001/r-42", _holder);

    [Benchmark]
    public bool Validate() => _tokens.TryReadToken(_token, "/u/m-1001/r-42", _holder, out _);
}
