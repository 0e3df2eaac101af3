using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest.Tests.Synthetic;

/// <summary>Properties of whole sequences: tracks, entries and exits, occlusions, gait, perspective.</summary>
public sealed class SceneSequenceTests
{
    private const int Frames = 900; // 30 s at 30 fps

    private sealed record Seen(long Frame, int ClassId, GroundTruthObject Object);

    private static readonly Lazy<(int W, int H, Dictionary<int, List<Seen>> Tracks)> Sequence = new(() =>
    {
        using var scene = SyntheticScene.Open("synthetic://walkers?seed=21&size=256x192&people=7&cars=1&dogs=1&occluders=4");
        var tracks = new Dictionary<int, List<Seen>>();
        for (long n = 0; n < Frames; n++)
            foreach (var o in scene.GroundTruth(n).Objects)
            {
                if (!tracks.TryGetValue(o.TrackId, out var list)) tracks[o.TrackId] = list = [];
                list.Add(new Seen(n, o.ClassId, o));
            }
        return (scene.Width, scene.Height, tracks);
    });

    [Fact]
    public void TrackIds_KeepTheirClassAndAreInViewWithoutGaps()
    {
        var (w, h, tracks) = Sequence.Value;
        Assert.True(tracks.Count >= 15, $"only {tracks.Count} tracks in {Frames} frames");
        foreach (var (id, seen) in tracks)
        {
            Assert.All(seen, s => Assert.Equal(seen[0].ClassId, s.ClassId));
            // Straight paths from one side to the other: once in the frame, an object stays until it
            // leaves for good. The one exception is a swinging hand or foot that dips in and out at
            // the edge while its owner enters or leaves.
            for (int i = 1; i < seen.Count; i++)
            {
                if (seen[i].Frame == seen[i - 1].Frame + 1) continue;
                var before = seen[i - 1].Object.Box;
                Assert.True(before.X1 <= 0 || before.X2 >= w || before.Y2 >= h, $"track {id} leaves mid-frame at {seen[i - 1].Frame}");
                Assert.True(seen[i].Frame - seen[i - 1].Frame < 15, $"track {id} is gone for {seen[i].Frame - seen[i - 1].Frame} frames");
            }
        }
        Assert.Contains(tracks.Values, s => s[0].ClassId == SyntheticClasses.Person);
        Assert.Contains(tracks.Values, s => s[0].ClassId == SyntheticClasses.Car);
        Assert.Contains(tracks.Values, s => s[0].ClassId == SyntheticClasses.Dog);
    }

    [Fact]
    public void Objects_EnterAndLeaveAtTheFrameEdges()
    {
        var (w, h, tracks) = Sequence.Value;
        bool AtEdge(GroundTruthObject o) =>
            o.Area > 0 && (o.Box.X1 <= 0 || o.Box.X2 >= w || o.Box.Y2 >= h);
        int entries = 0, exits = 0;
        foreach (var seen in tracks.Values)
        {
            var first = seen.FirstOrDefault(s => s.Object.Area > 0);
            var last = seen.LastOrDefault(s => s.Object.Area > 0);
            if (first is null || last is null) continue;
            // Objects appear and vanish only at the edges (or hidden behind something), never pop up mid-frame.
            if (first.Frame > 0)
            {
                Assert.True(AtEdge(first.Object) || first.Object.Visibility < 1, $"track {first.Object.TrackId} appears mid-frame at {first.Frame}");
                entries++;
            }
            if (last.Frame < Frames - 1)
            {
                Assert.True(AtEdge(last.Object) || last.Object.Visibility < 1, $"track {last.Object.TrackId} vanishes mid-frame at {last.Frame}");
                exits++;
            }
        }
        Assert.True(entries >= 10, $"{entries} entries");
        Assert.True(exits >= 10, $"{exits} exits");
    }

    [Fact]
    public void Sequence_HasOcclusionEvents_WherePeoplePassBehindAndReappear()
    {
        var (_, _, tracks) = Sequence.Value;
        // An occlusion event: a person fully visible, then less than 30% visible, then fully visible again.
        int events = 0;
        foreach (var seen in tracks.Values.Where(s => s[0].ClassId == SyntheticClasses.Person))
        {
            int state = 0;
            foreach (var s in seen)
            {
                double v = s.Object.Visibility;
                if (state == 0 && v >= 0.99) state = 1;
                else if (state == 1 && v < 0.3) state = 2;
                else if (state == 2 && v >= 0.99) { events++; state = 1; }
            }
        }
        Assert.True(events >= 3, $"{events} occlusion events");
    }

    [Fact]
    public void StaticOccluders_HidePeopleWalkingBehindThem()
    {
        using var scene = SyntheticScene.Open("synthetic://walkers?seed=21&size=256x192&people=7&cars=0&dogs=0&occluders=4");
        int w = scene.Width, h = scene.Height;
        var bgr = new byte[scene.FrameBytes];
        var labels = new byte[w * h];
        int hiddenByOccluder = 0;
        for (long n = 0; n < Frames && hiddenByOccluder == 0; n += 15)
        {
            foreach (var o in scene.RenderWithGroundTruth(n, bgr, labels).Objects)
            {
                if (o.Visibility >= 0.9 || o.Area == 0) continue;
                // Occluder pixels inside the person's box, between visible parts of the person.
                var b = o.Box;
                for (int y = (int)b.Y1; y < (int)b.Y2; y++)
                {
                    int row = y * w, left = -1, right = -1, occluder = -1;
                    for (int x = (int)b.X1; x < (int)b.X2; x++)
                    {
                        if (labels[row + x] == o.LabelValue) { if (left < 0) left = x; right = x; }
                        else if (labels[row + x] == SyntheticScene.OccluderLabel && left >= 0) occluder = x;
                    }
                    if (occluder > left && occluder < right) { hiddenByOccluder++; break; }
                }
            }
        }
        Assert.True(hiddenByOccluder > 0, "no person is split by an occluder in 30 s");
    }

    [Fact]
    public void WalkingPeople_SwingTheirLegs()
    {
        var (_, _, tracks) = Sequence.Value;
        int swinging = 0;
        foreach (var seen in tracks.Values.Where(s => s[0].ClassId == SyntheticClasses.Person && s.Count > 60))
        {
            // Which ankle leads flips every step.
            int flips = 0, previous = 0;
            foreach (var s in seen)
            {
                var k = s.Object.Keypoints;
                float gap = k[15].X - k[16].X;
                int sign = Math.Abs(gap) < 0.5 ? 0 : Math.Sign(gap);
                if (sign != 0 && previous != 0 && sign != previous) flips++;
                if (sign != 0) previous = sign;
            }
            if (flips >= 4) swinging++;
        }
        Assert.True(swinging >= 5, $"{swinging} people swing their legs");
    }

    [Fact]
    public void Perspective_PeopleNearerTheHorizonAreSmaller()
    {
        var (_, h, tracks) = Sequence.Value;
        var samples = new List<(double Bottom, double Height)>();
        foreach (var seen in tracks.Values.Where(s => s[0].ClassId == SyntheticClasses.Person))
            foreach (var s in seen)
                if (s.Object.Visibility >= 0.99 && s.Object.Box.Y2 < h && s.Object.Box.Y1 > 0)
                    samples.Add((s.Object.Box.Y2, s.Object.Box.Height));
        Assert.True(samples.Count > 100);
        double mb = samples.Average(s => s.Bottom), mh = samples.Average(s => s.Height);
        double cov = samples.Sum(s => (s.Bottom - mb) * (s.Height - mh));
        double r = cov / Math.Sqrt(samples.Sum(s => (s.Bottom - mb) * (s.Bottom - mb)) * samples.Sum(s => (s.Height - mh) * (s.Height - mh)));
        Assert.True(r > 0.8, $"correlation of foot row and height {r:0.00}");
    }
}
