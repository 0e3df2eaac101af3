using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

/// <summary><see cref="TrackerOptions.ContainedMaskFraction"/>: a part's box inside a whole object's box is dropped when its mask lies inside the whole's mask, never when the masks are apart.</summary>
public class ContainedMaskTests
{
    private static RleMask Mask(double x, double y, double width, double height) => RlePolygon.FromBox(x, y, width, height, Height, Width);

    // A whole person (box 20..60 x 10..110) and the box around their legs (20..60 x 60..110): box IoU 0.5 at most, so
    // class-wise NMS keeps both.
    private static Detection Whole(float score = 0.95f) => Det(20, 10, 60, 110, score, mask: Mask(20, 10, 40, 100));
    private static Detection Legs(float score = 0.9f) => Det(20, 60, 60, 110, score, mask: Mask(24, 60, 32, 50));

    private static ByteTracker Tracker(float fraction) =>
        new(new TrackerOptions { ContainedMaskFraction = fraction, HitsToConfirm = 1, Appearance = false }, 30);

    [Fact]
    public void PartInsideAHigherScoringWhole_IsNotTracked()
    {
        var tracker = Tracker(0.5f);
        var r = tracker.Update(At(0, Legs(), Whole()));
        Assert.Equal(10f, Assert.Single(r.Frame.Objects).Detection.Box.Y1);
        Assert.Equal(1, tracker.DroppedParts);
    }

    [Fact]
    public void Off_TracksBoth()
    {
        var tracker = Tracker(0f);
        Assert.Equal(2, tracker.Update(At(0, Legs(), Whole())).Frame.Objects.Length);
        Assert.Equal(0, tracker.DroppedParts);
    }

    [Fact]
    public void PartScoringHigherThanTheWhole_KeepsThePartAndDropsNothing()
    {
        // Greedy in score order: the whole's mask is not inside the legs' one (half of it is outside), so both stay.
        var tracker = Tracker(0.5f);
        Assert.Equal(2, tracker.Update(At(0, Legs(0.99f), Whole(0.9f))).Frame.Objects.Length);
    }

    [Fact]
    public void PersonBehindAnother_MasksApart_BothTracked()
    {
        // The one behind shows only its visible pixels: boxes overlap by most of the smaller one, masks not at all.
        var front = Det(30, 20, 70, 120, 0.95f, mask: Mask(30, 20, 40, 100));
        var behind = Det(50, 10, 80, 100, 0.9f, mask: Mask(70, 10, 10, 90));
        var tracker = Tracker(0.5f);
        Assert.Equal(2, tracker.Update(At(0, front, behind)).Frame.Objects.Length);
        Assert.Equal(0, tracker.DroppedParts);
    }

    [Fact]
    public void OtherClass_OrNoMask_NeverCompared()
    {
        var tracker = Tracker(0.5f);
        var dogOnLegs = Legs() with { ClassId = 3 };
        var maskless = Legs() with { Mask = null };
        Assert.Equal(3, tracker.Update(At(0, Whole(), dogOnLegs, maskless)).Frame.Objects.Length);
    }
}
