using StackExchange.Redis;

namespace LinkGateway.Memory;

public sealed class StoreAnswersTests
{
    [Fact]
    public void Count_IsPerSlotRange_AndNullMeansEverySlot()
    {
        var answers = new StoreAnswers();
        answers.Answered(0);
        answers.Answered(5460);
        answers.Answered(5461);
        answers.Answered(16383);
        answers.Answered(16383);

        Assert.Equal(5, answers.Count(null));
        Assert.Equal(2, answers.Count([new SlotRange(0, 5460)]));
        Assert.Equal(3, answers.Count([new SlotRange(5461, 10922), new SlotRange(10923, 16383)]));
        Assert.Equal(0, answers.Count([]));
    }

    // A slot outside Redis Cluster's 16384 (HashSlot's "no slot" is -1) cannot throw on the request path: it counts as slot 0.
    [Theory]
    [InlineData(-1)]
    [InlineData(16384)]
    [InlineData(int.MaxValue)]
    public void SlotOutsideTheCluster_CountsAsSlotZero(int slot)
    {
        var answers = new StoreAnswers();
        answers.Answered(slot);
        Assert.Equal(1, answers.Count([new SlotRange(0, 0)]));
    }
}
