namespace LinkGateway.Signals;

public class BehaviourSignalsTests
{
    private static readonly BehaviourOptions _options = BehaviourOptions.Default;

    [Theory]
    [InlineData(1, 1, 1, 1, false, "")]
    [InlineData(7, 14, 1, 4, false, "")]
    [InlineData(8, 1, 1, 1, false, "fanout.recipients")]
    [InlineData(1, 15, 1, 1, false, "fanout.recipients")]
    [InlineData(1, 1, 2, 1, false, "burst.links")]
    [InlineData(1, 1, 1, 5, false, "burst.domain")]
    [InlineData(1, 1, 1, 1, true, "honeypot")]
    public void CountsAgainstThresholds(int addressRecipients, int prefixRecipients, int links, int messageNetwork, bool nearHoneypot, string expected)
    {
        var facts = new BehaviourFacts(false, false, false, addressRecipients, prefixRecipients, links, messageNetwork, nearHoneypot);

        Assert.Equal(expected, BehaviourSignals.Evaluate(facts, _options).ToString());
    }

    [Fact]
    public void Tags_BecomeTheirSignals()
    {
        var facts = new BehaviourFacts(true, true, true, 0, 0, 0, 0, false);

        Assert.Equal("tag.ip,tag.prefix,tag.fingerprint", BehaviourSignals.Evaluate(facts, _options).ToString());
    }
}
