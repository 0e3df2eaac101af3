using MaskStream.Core.Appearance;
using MaskStream.Core.Objects;
using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

/// <summary>What the appearance cue changes in <see cref="ByteTracker"/>, each shown against the same frames with it off.</summary>
public class AppearanceTests
{
    private static ColorHistogram Look(int upper, int lower)
    {
        var values = new float[ColorHistogram.Length];
        values[upper] = 1;
        values[ColorHistogram.PartBins + lower] = 1;
        return ColorHistogram.FromValues(values);
    }

    private static readonly ColorHistogram Red = Look(3, 35);
    private static readonly ColorHistogram Blue = Look(23, 33);

    /// <summary>
    /// A red-clad walker (3 px a frame) is hidden for 5 frames; then someone in blue appears where the walker should be.
    /// Without appearance the lost track takes them (its prediction fits); with it they start a track of their own, while
    /// the walker reappearing there is re-found under the old id either way.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LostTrack_SomeoneElseWhereItShouldBe_IsANewTrackOnlyWithAppearance(bool appearance)
    {
        long Run(ColorHistogram comer)
        {
            var tracker = new ByteTracker(new TrackerOptions { Appearance = appearance }, 30);
            long id = 0;
            for (int f = 0; f < 10; f++)
                id = SingleId(tracker.Update(At(f, Person(100 + 3 * f, 100) with { Appearance = Red })));
            for (int f = 10; f < 15; f++) Assert.Empty(tracker.Update(At(f)).Frame.Objects);
            tracker.Update(At(15, Person(145, 100) with { Appearance = comer }));
            long next = SingleId(tracker.Update(At(16, Person(148, 100) with { Appearance = comer })));
            return next == id ? 0 : next;
        }

        Assert.Equal(0, Run(Red));
        if (appearance) Assert.NotEqual(0, Run(Blue));
        else Assert.Equal(0, Run(Blue));
    }

    /// <summary>
    /// The track's average learns only from detections seen alone: one overlapping another by IoU &gt; 0.3 shows some of the
    /// other's pixels. A red walker is seen for 30 frames in a half-red, half-blue histogram while a green one overlaps it
    /// (IoU 0.6); learnt, the average would be nearly half blue (distance 0.55 to blue, under the 0.6 rejection), not
    /// learnt it stays red (distance 1). After 3 frames hidden, someone in blue stands where the walker was.
    /// </summary>
    [Fact]
    public void Average_IgnoresDetectionsOverlappingAnother()
    {
        var mixed = ColorHistogram.FromValues(Red.Values.ToArray().Zip(Blue.Values.ToArray(), (r, b) => 0.5f * (r + b)).ToArray());
        var green = Look(11, 10);
        var tracker = new ByteTracker(new TrackerOptions(), 30);
        long id = SingleId(tracker.Update(At(0, Person(100, 100) with { Appearance = Red })));
        for (int f = 1; f <= 30; f++)
        {
            var r = tracker.Update(At(f, Person(100, 100) with { Appearance = mixed }, Person(110, 100) with { Appearance = green }));
            Assert.Equal(id, r.Frame.Objects.Single(o => o.Detection.Box.X1 == 100).TrackId);
        }
        for (int f = 31; f < 34; f++) tracker.Update(At(f));
        tracker.Update(At(34, Person(100, 100) with { Appearance = Blue }));
        var last = tracker.Update(At(35, Person(100, 100) with { Appearance = Blue }));
        Assert.DoesNotContain(id, Ids(last));
        Assert.Single(last.Frame.Objects);
    }
}
