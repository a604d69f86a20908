using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Memory;

public class StoreCircuitTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void OpensAfterFailuresInARow_ForItsPeriod_ThenTriesAgain()
    {
        var circuit = new StoreCircuit(_time, failuresToOpen: 3, openFor: TimeSpan.FromSeconds(5));

        circuit.Failure();
        circuit.Failure();
        Assert.False(circuit.IsOpen);
        circuit.Failure();
        Assert.True(circuit.IsOpen);
        _time.Advance(TimeSpan.FromSeconds(4));
        Assert.True(circuit.IsOpen);
        _time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(circuit.IsOpen);
    }

    [Fact]
    public void ASuccess_ResetsTheCount()
    {
        var circuit = new StoreCircuit(_time, failuresToOpen: 3);

        circuit.Failure();
        circuit.Failure();
        circuit.Success();
        circuit.Failure();
        circuit.Failure();

        Assert.False(circuit.IsOpen);
    }
}
