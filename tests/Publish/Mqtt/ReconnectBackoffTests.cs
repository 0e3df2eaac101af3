using MaskStream.Publish.Mqtt;

namespace MaskStream.Publish.Tests.Mqtt;

public sealed class ReconnectBackoffTests
{
    private static readonly TimeSpan Min = TimeSpan.FromMilliseconds(500);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(30);

    [Fact]
    public void Delay_DoublesPerAttemptWithinHalfToFullStep_CappedAtMax()
    {
        var random = new Random(1234);
        double[] steps = [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000];

        for (var attempt = 0; attempt < steps.Length; attempt++)
        {
            var ms = ReconnectBackoff.Delay(attempt, Min, Max, random).TotalMilliseconds;
            Assert.InRange(ms, steps[attempt] * 0.5, steps[attempt]);
        }
        Assert.InRange(ReconnectBackoff.Delay(int.MaxValue, Min, Max, random).TotalMilliseconds, 15000, 30000);
    }

    [Fact]
    public void Delay_SameSeed_SameDelays_DifferentSeeds_Spread()
    {
        var a = Enumerable.Range(0, 5).Select(i => ReconnectBackoff.Delay(3, Min, Max, new Random(7))).ToList();
        var first = new Random(7);
        var b = Enumerable.Range(0, 5).Select(_ => ReconnectBackoff.Delay(3, Min, Max, first)).ToList();
        var seeds = Enumerable.Range(0, 20).Select(s => ReconnectBackoff.Delay(3, Min, Max, new Random(s)).Ticks).Distinct().Count();

        // Equal jitter: 4 s step → 2 s fixed + up to 2 s random, worked for seed 7's first draw.
        Assert.All(a, d => Assert.Equal(TimeSpan.FromMilliseconds(4000 * (0.5 + 0.5 * new Random(7).NextDouble())), d));
        Assert.Equal(a[0], b[0]);
        Assert.True(seeds >= 18, $"only {seeds} distinct delays from 20 seeds");
    }
}
