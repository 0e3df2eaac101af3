using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

public class IouTrackerTests
{
    [Fact]
    public void GreedyMatching_TakesTheHighestIouPairFirst_EvenIfThatLeavesATrackUnmatched()
    {
        var tracker = new IouTracker(new TrackerOptions(), 30);
        Assert.Equal([1L, 2L], Ids(tracker.Update(At(0, Person(100, 100), Person(130, 100)))));
        // Detection at x=110 overlaps track 1 by IoU 30/50 and track 2 by 20/60; the one at x=80 overlaps
        // only track 1 (20/60). Greedy gives 110 to track 1 first, so track 2 finds nothing and is lost.
        var r = tracker.Update(At(1, Person(80, 100), Person(110, 100)));
        var obj = Assert.Single(r.Frame.Objects);
        Assert.Equal(1, obj.TrackId);
        Assert.Equal(110f, obj.Detection.Box.X1);
        Assert.Equal(3, tracker.LiveTracks);   // 1 tracked, 2 lost, and a tentative track on x=80
    }

    [Fact]
    public void Lifecycle_TentativeConfirmedLostRefoundRemoved()
    {
        var tracker = new IouTracker(new TrackerOptions { LostTrackBuffer = TrackDuration.FromFrames(4) }, 30);
        tracker.Update(At(0));
        Assert.Empty(tracker.Update(At(1, Person(100, 100))).Frame.Objects);
        var confirmed = tracker.Update(At(2, Person(102, 100)));
        Assert.Equal(1, SingleId(confirmed));
        Assert.Equal(TrackEventKind.Started, Assert.Single(confirmed.Events).Kind);
        for (int f = 3; f <= 5; f++) Assert.Empty(tracker.Update(At(f)).Frame.Objects);
        Assert.Equal(1, SingleId(tracker.Update(At(6, Person(103, 100)))));
        for (int f = 7; f <= 10; f++) Assert.Empty(tracker.Update(At(f)).Events);
        var end = tracker.Update(At(11));
        Assert.Equal(TrackEventKind.Ended, Assert.Single(end.Events).Kind);
        Assert.Equal(0, tracker.LiveTracks);
    }

    [Fact]
    public void ClassesAreSeparate_AndLowScoresIgnored()
    {
        var tracker = new IouTracker(new TrackerOptions(), 30);
        tracker.Update(At(0, Person(100, 100, classId: 1)));
        var r = tracker.Update(At(1, Person(100, 100, classId: 2), Person(300, 100, score: 0.4f)));
        Assert.Empty(r.Frame.Objects);
        Assert.Equal(2, tracker.LiveTracks);   // lost track 1 and tentative class-2 track
    }
}
