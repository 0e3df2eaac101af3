using MaskStream.Ingest.Supervision;

namespace MaskStream.Ingest.Tests.Supervision;

public sealed class BackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromSeconds(1), Max = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData(0, 1.0)]
    [InlineData(1, 2.0)]
    [InlineData(4, 16.0)]
    [InlineData(5, 30.0)]
    [InlineData(1000, 30.0)]
    public void Delay_DoublesPerFailureUpToMax_JitterDrawsFromTheUpperHalf(int failures, double ceilingSeconds)
    {
        Assert.Equal(ceilingSeconds / 2, Backoff.Delay(failures, Min, Max, 0.0).TotalSeconds, 6);
        Assert.Equal(ceilingSeconds * 0.75, Backoff.Delay(failures, Min, Max, 0.5).TotalSeconds, 6);
        Assert.True(Backoff.Delay(failures, Min, Max, 0.999999) < TimeSpan.FromSeconds(ceilingSeconds));
    }
}
