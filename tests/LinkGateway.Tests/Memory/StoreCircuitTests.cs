using Microsoft.Extensions.Time.Testing;

namespace LinkGateway.Memory;

public class StoreCircuitTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void OpensAfterFailedProbesInARow_AndTheFirstGoodProbeClosesIt()
    {
        var circuit = new StoreCircuit(_time, failuresToOpen: 2);
        var waiting = circuit.Opened;

        Assert.False(circuit.ProbeFailed("slow"));
        Assert.False(circuit.IsOpen);
        Assert.True(circuit.ProbeFailed("slow"));
        Assert.True(circuit.IsOpen);
        Assert.True(waiting.IsCancellationRequested); // requests waiting for the store stop waiting
        Assert.False(circuit.Closed.IsCompleted);

        var closed = circuit.Closed;
        Assert.True(circuit.ProbeSucceeded(TimeSpan.FromMilliseconds(1)));
        Assert.False(circuit.IsOpen);
        Assert.True(closed.IsCompleted);
        Assert.False(circuit.Opened.IsCancellationRequested); // a fresh token for the next opening
    }

    [Fact]
    public void AGoodProbe_ResetsTheCount()
    {
        var circuit = new StoreCircuit(_time, failuresToOpen: 2);

        circuit.ProbeFailed("slow");
        circuit.ProbeSucceeded(TimeSpan.FromMilliseconds(1));
        circuit.ProbeFailed("slow");

        Assert.False(circuit.IsOpen);
    }

    [Fact]
    public void AFailedRoundTrip_OpensAtOnce_UntilAProbeSucceeds()
    {
        var circuit = new StoreCircuit(_time, failuresToOpen: 5);

        Assert.True(circuit.ConnectionFailed("connection refused"));
        Assert.False(circuit.ConnectionFailed("connection refused")); // already open

        var state = circuit.State();
        Assert.Equal((true, 1L, "connection refused"), (state.IsOpen, state.TimesOpened, state.LastProblem));
        circuit.ProbeSucceeded(TimeSpan.FromMilliseconds(2));
        Assert.False(circuit.IsOpen);
    }

    [Fact]
    public void AlwaysClosed_NeverOpensOnProbes()
    {
        var circuit = StoreCircuit.AlwaysClosed(_time);

        for (var i = 0; i < 100; i++)
        {
            circuit.ProbeFailed("never asked");
        }

        Assert.False(circuit.IsOpen);
    }
}
