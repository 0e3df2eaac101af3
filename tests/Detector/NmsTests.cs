using MaskStream.Core.Geometry;
using MaskStream.Detector.Tests.Support;

namespace MaskStream.Detector.Tests;

/// <summary>torchvision.ops.nms / batched_nms (PARITY §7) and torch's unstable CPU sort, against torchvision's outputs.</summary>
public sealed class NmsTests
{
    [Fact]
    public void Run_IouExactlyAtThreshold_KeepsBoth()
    {
        // IoU([0,0,3,1], [1,0,4,1]) = 2 / 4 = 0.5 exactly: torchvision suppresses only when IoU > threshold.
        var keep = new int[2];
        int n = new Nms().Run([new BoxF(0, 0, 3, 1), new BoxF(1, 0, 4, 1)], [0.9f, 0.8f], 0.5, keep);
        Assert.Equal([0, 1], keep[..n]);
        n = new Nms().Run([new BoxF(0, 0, 3, 1), new BoxF(1, 0, 4, 1)], [0.9f, 0.8f], 0.49, keep);
        Assert.Equal([0], keep[..n]);
    }

    [Fact]
    public void Run_ThreeThousandEqualScores_VisitsInIndexOrder()
    {
        var boxes = Enumerable.Range(0, 3000).Select(i => new BoxF(i * 10, 0, i * 10 + 5, 5)).ToArray();
        var keep = new int[3000];
        int n = new Nms().Run(boxes, Enumerable.Repeat(0.5f, 3000).ToArray(), 0.5, keep);
        Assert.Equal(Enumerable.Range(0, 3000), keep[..n]);
    }

    [Fact]
    public void Run_HigherScoreSuppressesOverlap_KeepsInScoreOrder()
    {
        // [0,0,10,10] vs [1,1,11,11]: inter 81, union 119, IoU 0.68 > 0.5.
        var keep = new int[3];
        int n = new Nms().Run([new BoxF(0, 0, 10, 10), new BoxF(1, 1, 11, 11), new BoxF(20, 20, 30, 30)], [0.5f, 0.9f, 0.7f], 0.5, keep);
        Assert.Equal([1, 2], keep[..n]);
    }

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    public void RunBatchedTopN_RpnShapedInput_EqualsPrefixOfRunBatched(int seed, bool tiedScores)
    {
        // RPN-shaped input: levels as classes, one run each in score order, clustered boxes so that NMS suppresses
        // some; the merged top-N must equal the first N of the full batched_nms. With tied scores (saturated
        // sigmoids) the full path decides the order, so the two agree there too.
        var rng = new Random(seed);
        int[] perLevel = [1000, 1000, 700, 300];
        int n = perLevel.Sum();
        var boxes = new BoxF[n];
        var scores = new float[n];
        var classes = new int[n];
        int i = 0;
        for (int l = 0; l < perLevel.Length; l++)
        {
            var levelScores = Enumerable.Range(0, perLevel[l]).Select(_ => tiedScores && rng.Next(4) == 0 ? 1f : rng.NextSingle()).OrderDescending().ToArray();
            for (int k = 0; k < perLevel[l]; k++, i++)
            {
                float cx = rng.Next(12) * 50 + rng.NextSingle() * 8, cy = rng.Next(10) * 50 + rng.NextSingle() * 8;
                float w = 10 + rng.NextSingle() * 60, h = 10 + rng.NextSingle() * 60;
                boxes[i] = new BoxF(cx, cy, cx + w, cy + h);
                scores[i] = levelScores[k];
                classes[i] = l;
            }
        }
        var full = new int[n];
        int kept = new Nms().RunBatched(boxes, scores, classes, 0.7, full);
        Assert.InRange(kept, 301, n - 1);
        foreach (int topN in new[] { 300, 1, kept, kept + 5 })
        {
            var top = new int[n];
            int count = new Nms().RunBatchedTopN(boxes, scores, classes, 0.7, topN, top);
            Assert.Equal(full[..Math.Min(kept, topN)], top[..count]);
        }
    }

    public static TheoryData<int> NmsCases() => new(Enumerable.Range(0, Fixtures.TorchvisionOps.GetProperty("nms").GetArrayLength()));

    [Theory]
    [MemberData(nameof(NmsCases))]
    public void RunBatched_TorchvisionCase_KeepsTheSameIndicesInTheSameOrder(int index)
    {
        var c = Fixtures.TorchvisionOps.GetProperty("nms")[index];
        var flat = c.GetProperty("boxes").Floats();
        var boxes = Enumerable.Range(0, flat.Length / 4).Select(i => new BoxF(flat[4 * i], flat[4 * i + 1], flat[4 * i + 2], flat[4 * i + 3])).ToArray();
        var scores = c.GetProperty("scores").Floats();
        var classes = c.GetProperty("classes").Ints();
        double thr = c.GetProperty("iou_threshold").GetDouble();
        var keep = new int[boxes.Length];
        var nms = new Nms();
        int n = c.GetProperty("batched").GetBoolean()
            ? nms.RunBatched(boxes, scores, classes, thr, keep)
            : nms.Run(boxes, scores, thr, keep);
        Assert.Equal(c.GetProperty("keep").Ints(), keep[..n]);
    }

    public static TheoryData<int> SortCases() => new(Enumerable.Range(0, Fixtures.TorchvisionOps.GetProperty("unstable_sort").GetArrayLength()));

    [Theory]
    [MemberData(nameof(SortCases))]
    public void TorchUnstableSort_TiedScores_ReproducesTorchSortOrder(int index)
    {
        var c = Fixtures.TorchvisionOps.GetProperty("unstable_sort")[index];
        var scores = c.GetProperty("scores").Floats();
        var items = scores.Select((s, i) => new Nms.ScoreIndex(s, i)).ToArray();
        TorchUnstableSort.SortDescending(items);
        Assert.Equal(c.GetProperty("order").Ints(), items.Select(x => x.Index));
    }
}
