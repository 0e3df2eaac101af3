using MaskStream.Core.Geometry;
using MaskStream.Tracking.Implementation;
using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

/// <summary>Partly hidden detections: the measurement the filter gets, and a walk behind a pillar end to end.</summary>
public class OcclusionTests
{
    [Fact]
    public void Measurement_AboutThePredictedSize_IsTheDetection()
    {
        var det = new BoxF(100, 100, 132, 180); // 32 wide: 0.8 of the predicted 40, above the 0.7 cut
        var m = Occlusion.Measurement(det, new BoxF(102, 98, 142, 178), out bool occluded);
        Assert.False(occluded);
        Assert.Equal(det, m);
    }

    [Fact]
    public void Measurement_NarrowSliverAtThePredictedLeftEdge_KeepsThePredictedWidthFromThatEdge()
    {
        // Predicted 100..140; seen 101..111: the right edge is the pillar's, the left one the person's.
        var m = Occlusion.Measurement(new BoxF(101, 100, 111, 180), new BoxF(100, 100, 140, 180), out bool occluded);
        Assert.True(occluded);
        Assert.Equal(new BoxF(101, 100, 141, 180), m);
    }

    [Fact]
    public void Measurement_SliverAtTheRightEdgeAndLegsHidden_LaysBothExtentsFromTheObjectsEdges()
    {
        // Predicted 100..140 x 100..180; seen 128..139 x 99..150: right edge and top are the object's.
        var m = Occlusion.Measurement(new BoxF(128, 99, 139, 150), new BoxF(100, 100, 140, 180), out bool occluded);
        Assert.True(occluded);
        Assert.Equal(new BoxF(99, 99, 139, 179), m);
    }

    /// <summary>
    /// A 40x80 person walking right at 4 px a frame behind a pillar 80 px wide (x 200..280): seen whole, then
    /// as a sliver narrowing to the pillar's left edge, hidden for 10 frames, then as a sliver widening from its
    /// right edge. The box seen is the visible extent, as a detector reports it.
    /// </summary>
    [Fact]
    public void PersonWalkingBehindAPillar_KeepsTheirIdWhenSeenAgain()
    {
        var tracker = new ByteTracker(new TrackerOptions(), 30);
        var ids = new HashSet<long>();
        for (int f = 0; f < 70; f++)
        {
            float x1 = 20 + 4 * f, x2 = x1 + 40;
            float v1 = x1, v2 = x2;
            if (x2 > 200 && x1 < 280)
            {
                if (x1 < 200) v2 = 200;
                else if (x2 > 280) v1 = 280;
                else v2 = v1; // hidden
            }
            var r = v2 - v1 >= 1 ? tracker.Update(At(f, Det(v1, 200, v2, 280))) : tracker.Update(At(f));
            foreach (var o in r.Frame.Objects)
                if (o.State == Core.Objects.TrackState.Tracked) ids.Add(o.TrackId);
        }
        Assert.Equal([1L], ids);
    }

    /// <summary>A track that walked out at the left edge does not give its id to someone walking in there a moment later.</summary>
    [Fact]
    public void TrackThatLeftTheFrame_IsNotReusedForAnEntrant()
    {
        var tracker = new ByteTracker(new TrackerOptions(), 30);
        long first = 0, last = 0;
        for (int f = 0; f < 30; f++)
        {
            // Leaving to the left at 6 px a frame, boxes clipped to the frame as a detector's are.
            float x1 = 100 - 6 * f, x2 = x1 + 40;
            var r = x2 > 1 ? tracker.Update(At(f, Det(Math.Max(0, x1), 200, x2, 280))) : tracker.Update(At(f));
            if (f == 0) first = SingleId(r);
        }
        for (int f = 30; f < 36; f++)
        {
            // Someone walks in at the same edge, 20 px lower, a third of a second after the first left.
            float x2 = 6 * (f - 29);
            var r = tracker.Update(At(f, Det(0, 220, x2, 300)));
            if (r.Frame.Objects.Length == 1) last = r.Frame.Objects[0].TrackId;
        }
        Assert.NotEqual(0, last);
        Assert.NotEqual(first, last);
    }
}
