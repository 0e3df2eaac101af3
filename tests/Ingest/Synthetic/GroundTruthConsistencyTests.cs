using MaskStream.Core.Objects;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Ingest.Tests.Synthetic;

public sealed class GroundTruthConsistencyTests
{
    public static TheoryData<ulong, long> SeedsAndFrames()
    {
        var data = new TheoryData<ulong, long>();
        foreach (ulong seed in new ulong[] { 1, 7, 123456789 })
            foreach (long frame in new long[] { 0, 45, 333, 1500, 9001 })
                data.Add(seed, frame);
        return data;
    }

    [Theory]
    [MemberData(nameof(SeedsAndFrames))]
    public void EveryObject_MaskAreaBoxAndKeypoints_AgreeWithLabelMap(ulong seed, long frame)
    {
        using var scene = SyntheticScene.Open($"synthetic://walkers?seed={seed}&size=320x240&people=8&cars=1&dogs=1&occluders=4");
        int w = scene.Width, h = scene.Height;
        var bgr = new byte[scene.FrameBytes];
        var labels = new byte[w * h];
        var truth = scene.RenderWithGroundTruth(frame, bgr, labels);
        Assert.NotEmpty(truth.Objects);
        Assert.Equal(truth.Objects.Select(o => o.TrackId).Distinct().Count(), truth.Objects.Length);

        foreach (var o in truth.Objects)
        {
            // Area: RLE area = label-map pixel count = decoded pixel count, pixel for pixel.
            long count = labels.Count(v => v == o.LabelValue);
            Assert.Equal(count, o.Area);
            Assert.Equal(count, o.Mask.Area);
            var decoded = o.Mask.Decode();
            for (int i = 0; i < decoded.Length; i++)
                Assert.Equal(labels[i] == o.LabelValue, decoded[i] == 1);

            // Box = the mask's extent, computed independently from the label map.
            if (count > 0)
            {
                int minX = w, minY = h, maxX = -1, maxY = -1;
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                        if (labels[y * w + x] == o.LabelValue)
                            (minX, minY, maxX, maxY) = (Math.Min(minX, x), Math.Min(minY, y), Math.Max(maxX, x), Math.Max(maxY, y));
                Assert.Equal((minX, minY, maxX + 1f, maxY + 1f), (o.Box.X1, o.Box.Y1, o.Box.X2, o.Box.Y2));
                Assert.Equal(((double)minX, (double)minY, (double)(maxX - minX + 1), (double)(maxY - minY + 1)), o.Mask.ToBbox());
            }
            else Assert.True(o.Box.IsEmpty);

            Assert.InRange(o.Area, 0, o.UnoccludedArea);
            Assert.InRange(o.Visibility, 0, 1);
            Assert.Equal(SyntheticClasses.Names[o.ClassId], o.ClassName);

            if (o.ClassId != SyntheticClasses.Person)
            {
                Assert.Empty(o.Keypoints);
                continue;
            }
            Assert.Equal(CocoPersonKeypoints.Count, o.Keypoints.Length);
            foreach (var k in o.Keypoints)
            {
                int px = (int)Math.Round(k.X), py = (int)Math.Round(k.Y);
                bool inside = px >= 0 && py >= 0 && px < w && py < h;
                switch (k.Visibility)
                {
                    case KeypointVisibility.Visible:
                        Assert.True(inside);
                        Assert.Equal(1, decoded[py * w + px]);
                        break;
                    case KeypointVisibility.Occluded:
                        Assert.True(inside);
                        Assert.Equal(0, decoded[py * w + px]);
                        break;
                    default:
                        Assert.False(inside);
                        break;
                }
            }
        }
    }

    [Fact]
    public void Keypoints_OfAnUnoccludedPerson_LieInAnatomicalOrder()
    {
        using var scene = SyntheticScene.Open("synthetic://walkers?seed=5&size=320x240&people=6&occluders=0&cars=0&dogs=0");
        int checkedPeople = 0;
        for (long n = 0; n < 3000 && checkedPeople < 20; n += 97)
        {
            foreach (var o in scene.GroundTruth(n).Objects)
            {
                if (o.ClassId != SyntheticClasses.Person || o.Visibility < 1 || o.LabeledKeypointCount < 17) continue;
                var k = o.Keypoints;
                // Image y grows downwards: nose above shoulders above hips above knees above ankles.
                Assert.True(k[0].Y < k[5].Y && k[0].Y < k[6].Y);
                Assert.True(k[5].Y < k[11].Y && k[6].Y < k[12].Y);
                Assert.True(k[11].Y < k[13].Y && k[12].Y < k[14].Y);
                Assert.True(k[13].Y < k[15].Y && k[14].Y < k[16].Y);
                // Head keypoints sit within one head height of each other.
                float head = Math.Abs(k[15].Y - k[0].Y) / 7;
                for (int i = 1; i < 5; i++) Assert.InRange(Math.Abs(k[i].Y - k[0].Y), 0, head);
                checkedPeople++;
            }
        }
        Assert.True(checkedPeople >= 10, $"only {checkedPeople} fully visible people found");
    }
}
