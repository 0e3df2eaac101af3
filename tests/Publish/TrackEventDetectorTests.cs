using System.Collections.Immutable;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Publish.Tests;

public sealed class TrackEventDetectorTests
{
    private static TrackedFrame Frame(long n, params (long Id, TrackState State)[] tracks)
    {
        var info = new FrameInfo("door", n, TestFrames.Epoch.AddSeconds(n), null, 10, 10);
        var objects = tracks.Select(t => new TrackedObject(t.Id, t.State, (int)n,
            new Detection(1, 0.9f, new BoxF(0, 0, 1, 1), null, ImmutableArray<Keypoint>.Empty))).ToImmutableArray();
        return new TrackedFrame(info, objects);
    }

    [Fact]
    public void StartOnFirstConfirmation_EndOnRemovedOrLongAbsence()
    {
        var detector = new TrackEventDetector("door", id => TestFrames.ClassNames[id], Guid.Empty, maxMissingFrames: 3);
        var events = new List<TrackEventMessage>();

        detector.Observe(Frame(0, (1, TrackState.New), (2, TrackState.New)), events);       // tentative: nothing yet
        detector.Observe(Frame(1, (1, TrackState.Tracked), (2, TrackState.Tracked)), events); // both start
        detector.Observe(Frame(2, (1, TrackState.Tracked), (2, TrackState.Lost)), events);
        detector.Observe(Frame(3, (1, TrackState.Removed)), events);                          // 1 ends, reported
        detector.Observe(Frame(4), events);
        detector.Observe(Frame(5), events);                                                   // 2 last seen at 2: absent 3 frames

        Assert.Equal(
            [("track_start", 1L, 1L), ("track_start", 2L, 1L), ("track_end", 1L, 3L), ("track_end", 2L, 2L)],
            events.Select(e => (e.Event, e.TrackId, e.Frame)));
        Assert.All(events, e => Assert.Equal("person", e.Class));
    }
}
