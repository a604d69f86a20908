namespace LinkGateway.Observability;

/// <summary>
/// Instruments whose every series is known before the first event. A measurement reaches only the listeners that exist
/// when it is made, so the exporter, once it listens, asks for the zeros (<see cref="ExportAtZero"/>): a counter that has
/// not moved yet is then a 0 in <c>/metrics</c>, which rates and alerts can use, rather than missing.
/// </summary>
public interface IMetricsAtZero
{
    /// <summary>Adds 0 to every known series (harmless when called again).</summary>
    void ExportAtZero();
}
