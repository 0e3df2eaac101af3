using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

public class InvalidDetectionTests
{
    public static TheoryData<string> Trackers() => new() { "byte", "iou" };

    private static IMultiObjectTracker Create(string kind) =>
        kind == "byte" ? new ByteTracker(new TrackerOptions(), 30) : new IouTracker(new TrackerOptions(), 30);

    [Theory]
    [MemberData(nameof(Trackers))]
    public void NaNEmptyInvertedOrInfiniteBoxes_AndNaNScores_AreSkippedAndCounted(string kind)
    {
        var tracker = Create(kind);
        var bad = new[]
        {
            Det(float.NaN, 10, 50, 90),
            Det(10, 10, 10, 90),                        // zero width
            Det(50, 90, 10, 10),                        // inverted
            Det(10, 10, float.PositiveInfinity, 90),
            Det(10, 10, 50, 90, score: float.NaN),
        };
        var r0 = tracker.Update(At(0, [.. bad, Person(300, 200)]));
        Assert.Equal(5, r0.SkippedDetections);
        var obj = Assert.Single(r0.Frame.Objects);
        Assert.Equal(300f, obj.Detection.Box.X1);

        var r1 = tracker.Update(At(1, [.. bad, Person(301, 200)]));
        Assert.Equal(5, r1.SkippedDetections);
        Assert.Single(r1.Frame.Objects);
        Assert.Equal(10, tracker.SkippedDetections);
    }
}
