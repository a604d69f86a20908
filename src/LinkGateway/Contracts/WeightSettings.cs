using LinkGateway.Signals;

namespace LinkGateway.Contracts;

/// <summary>Weights as configuration writes them (reason code → weight), for LinkGateway:Weights and a host's Weights alike.</summary>
public static class WeightSettings
{
    /// <summary>The weights by signal; an unknown reason code is an error naming <c>{section}:Weights:{code}</c> and is left out.</summary>
    public static Dictionary<Signal, double> Read(IReadOnlyDictionary<string, double> configured, string section, List<string> errors)
    {
        var weights = new Dictionary<Signal, double>();
        foreach (var (code, weight) in configured)
        {
            if (SignalCatalog.TryParse(code, out var signal))
            {
                weights[signal] = weight;
            }
            else
            {
                errors.Add($"{section}:Weights:{code}: unknown reason code ({ConfigNames.Hint(code, SignalCatalog.All.Select(e => e.Code))})");
            }
        }

        return weights;
    }
}
