using MaskStream.Core.Objects;
using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

/// <summary>The rules ByteTracker adds to ByteTrack, each on the smallest scene that needs it.</summary>
public class AssociationRulesTests
{
    private static ByteTracker NewTracker(TrackerOptions? options = null) => new(options ?? new TrackerOptions(), 30);

    [Fact]
    public void SmallDetection_ContinuesATrackedTrack()
    {
        var tracker = NewTracker();
        tracker.Update(At(0, Person(100, 100)));
        tracker.Update(At(1, Person(101, 100)));
        // Most of the person hidden: a 6x10 box at the spot the track predicts, score 0.9.
        var r = tracker.Update(At(2, Det(102, 100, 108, 110)));
        Assert.Equal(1, SingleId(r));
    }

    [Fact]
    public void SmallDetection_NeitherReFindsALostTrackNorStartsOne()
    {
        var tracker = NewTracker();
        tracker.Update(At(0, Person(100, 100)));
        tracker.Update(At(1, Person(100, 100)));
        tracker.Update(At(2));
        tracker.Update(At(3));
        // 7x9 = 63 px², below the default 64: no evidence of who it is, in the lost track's own box.
        for (int f = 4; f < 8; f++)
            Assert.Empty(tracker.Update(At(f, Det(110, 120, 117, 129))).Frame.Objects);
        // With the rule off it re-finds the lost track.
        var off = NewTracker(new TrackerOptions { SmallDetectionArea = 0 });
        off.Update(At(0, Person(100, 100)));
        off.Update(At(1, Person(100, 100)));
        off.Update(At(2));
        off.Update(At(3));
        Assert.Equal(1, SingleId(off.Update(At(4, Det(110, 120, 117, 129)))));
    }

    [Fact]
    public void TrackLostAtTheFrameEdge_EndsAfterTheEdgeBuffer_OneLostMidFrameStays()
    {
        var tracker = NewTracker(new TrackerOptions { EdgeLostTrackBuffer = TrackDuration.FromFrames(3) });
        // Track 1 stands at the left edge, track 2 in the middle; both vanish at frame 2.
        tracker.Update(At(0, Det(0, 100, 30, 180), Person(300, 100)));
        tracker.Update(At(1, Det(0, 100, 30, 180), Person(300, 100)));
        var ended = new List<(long Frame, long Id)>();
        for (int f = 2; f < 10; f++)
            foreach (var e in tracker.Update(At(f)).Events)
                if (e.Kind == TrackEventKind.Ended) ended.Add((f, e.TrackId));
        // Lost at tick 2 (one frame after its last match), removed once more than 3 frames have passed.
        Assert.Equal([(5L, 1L)], ended);
    }

    [Fact]
    public void TrackWhoseDetectionIsMissing_DoesNotTakeAMuchTallerDetectionFromItsOwner()
    {
        // A small person (40x80) stands still; a tall one (50x140) beside them jumps 30 px towards them while the
        // small one's detection is missing. The tall detection overlaps the small track's prediction more (IoU 0.46)
        // than its own track's (0.25), but is 1.75 times as tall as the small track.
        static TrackingResult Run(TrackerOptions options)
        {
            var tracker = new ByteTracker(options, 30);
            for (int f = 0; f < 5; f++) tracker.Update(At(f, Person(100, 200), Det(60, 150, 110, 290)));
            return tracker.Update(At(5, Det(90, 150, 140, 290)));
        }
        Assert.Equal(2, SingleId(Run(new TrackerOptions())));
        Assert.Equal(1, SingleId(Run(new TrackerOptions { MaxHeightGrowth = float.PositiveInfinity })));
    }

    [Fact]
    public void RecentlyLostTrack_IsReFoundBeforeALongLostOneWhoseSearchAreaAlsoCoversTheDetection()
    {
        var tracker = NewTracker();
        // Track 1 stands at x 200 and vanishes at frame 2; track 2 stands at x 240 and vanishes at frame 20.
        for (int f = 0; f < 2; f++) tracker.Update(At(f, Person(200, 100), Person(244, 100)));
        for (int f = 2; f < 20; f++) tracker.Update(At(f, Person(244, 100)));
        tracker.Update(At(20));
        // A sliver at the right edge of track 2's box, outside its IoU gate, inside both widened search areas.
        var r = tracker.Update(At(21, Det(272, 100, 284, 180)));
        Assert.Equal(2, SingleId(r));
    }
}
