using MaskStream.Service.Pipeline;

namespace MaskStream.Service.Tests.Pipeline;

public sealed class LatencyWindowTests
{
    [Fact]
    public void TakePercentiles_HundredValues_NearestRankAndStartsANewWindow()
    {
        var window = new LatencyWindow();
        for (int ms = 100; ms >= 1; ms--) window.Add(ms);

        // Nearest rank: p50 of 1..100 is the 50th value, p99 the 99th.
        Assert.Equal((50.0, 99.0, 100), window.TakePercentiles());
        var empty = window.TakePercentiles();
        Assert.True(double.IsNaN(empty.P50) && double.IsNaN(empty.P99) && empty.Count == 0);
    }

    [Fact]
    public void TakePercentiles_OneValue_IsBothPercentiles()
    {
        var window = new LatencyWindow();
        window.Add(7.5);

        Assert.Equal((7.5, 7.5, 1), window.TakePercentiles());
    }
}
