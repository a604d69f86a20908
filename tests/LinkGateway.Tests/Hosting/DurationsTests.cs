namespace LinkGateway.Hosting;

public class DurationsTests
{
    [Theory]
    [InlineData("20ms", 20)]
    [InlineData("5s", 5_000)]
    [InlineData("1.5s", 1_500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    [InlineData("1d", 86_400_000)]
    [InlineData(" 5S ", 5_000)]
    [InlineData("00:00:00.020", 20)]
    [InlineData("00:00:05", 5_000)]
    [InlineData("1.00:00:00", 86_400_000)]
    [InlineData("-00:00:01", -1_000)]
    public void Duration_WithAUnitOrClockForm_IsRead(string text, double milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), Durations.Parse(text, out var problem));
        Assert.Null(problem);
    }

    [Theory]
    [InlineData("20", "\"20\" needs a unit")]
    [InlineData("0.5", "\"0.5\" needs a unit")]
    [InlineData("5 parsecs", "\"5 parsecs\" is not a duration")]
    [InlineData("5w", "\"5w\" is not a duration")]
    [InlineData("-5s", "\"-5s\" is not a duration")]
    [InlineData("25:00:00", "\"25:00:00\" is not a duration")]
    [InlineData("", "\"\" is not a duration")]
    public void Duration_WithoutAUnitOrMalformed_IsRefusedSayingWhy(string text, string expected)
    {
        Assert.Null(Durations.Parse(text, out var problem));
        Assert.StartsWith(expected, problem);
        Assert.Contains("20ms, 5s, 2m, 1h, 1d", problem);
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(20, "20ms")]
    [InlineData(5_000, "5s")]
    [InlineData(1_500, "1500ms")]
    [InlineData(120_000, "2m")]
    [InlineData(86_400_000, "1d")]
    public void Duration_IsWrittenInTheLargestExactUnit(double milliseconds, string expected)
    {
        Assert.Equal(expected, Durations.Format(TimeSpan.FromMilliseconds(milliseconds)));
    }
}
