using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Detector.Heads;
using MaskStream.Detector.Tests.Support;

namespace MaskStream.Detector.Tests;

/// <summary>heatmaps_to_keypoints against torchvision on random heatmaps (boxes that down- and up-sample, one clamped to 1 px).</summary>
public sealed class KeypointDecoderTests
{
    [Fact]
    public void Decode_RandomHeatmaps_MatchTorchvisionHeatmapsToKeypoints()
    {
        var ops = Fixtures.TorchvisionOps.GetProperty("keypoints");
        var rois = ops.GetProperty("rois").Floats();
        int j = ops.GetProperty("keypoints").GetInt32(), m = ops.GetProperty("heatmap_size").GetInt32();
        var xy = ops.GetProperty("xy").Floats();
        var scores = ops.GetProperty("scores").Floats();
        var maps = Npy.Load(Path.Combine(Fixtures.Dir, "keypoint_heatmaps.npy"));
        var decoder = new KeypointDecoder();
        var kps = new Keypoint[j];
        for (int r = 0; r < rois.Length / 4; r++)
        {
            decoder.Decode(maps.Data.AsSpan(r * j * m * m, j * m * m), m, new BoxF(rois[4 * r], rois[4 * r + 1], rois[4 * r + 2], rois[4 * r + 3]), kps);
            for (int k = 0; k < j; k++)
            {
                Assert.Equal(xy[(r * j + k) * 2], kps[k].X, 1e-4f);
                Assert.Equal(xy[(r * j + k) * 2 + 1], kps[k].Y, 1e-4f);
                Assert.Equal(scores[r * j + k], kps[k].Score, 1e-4f);
            }
        }
    }

    [Fact]
    public void Decode_PeakInOneCell_MapsToCellCentreWithCeilCorrection()
    {
        // A 4x4 heatmap with one peak at (row 1, col 2) on a 4x4 box at (10, 20): scale 1, so the argmax is that
        // cell and x = (2 + 0.5) + 10, y = (1 + 0.5) + 20.
        var map = new float[16];
        map[1 * 4 + 2] = 5f;
        var kps = new Keypoint[1];
        new KeypointDecoder().Decode(map, 4, new BoxF(10, 20, 14, 24), kps);
        Assert.Equal(new Keypoint(12.5f, 21.5f, 5f), kps[0]);
    }

    [Fact]
    public void Decode_SimdAlongX_BitIdenticalToScalar()
    {
        // 56x56 maps (the SIMD path's 8-row blocks) on boxes whose ceil'd widths cover every remainder mod 8, narrower
        // and wider than the map; keypoint positions and scores must be equal bit for bit.
        var rng = new Random(11);
        const int m = 56, j = 4;
        var maps = new float[j * m * m];
        for (int i = 0; i < maps.Length; i++) maps[i] = rng.NextSingle() * 20f - 15f;
        var simd = new KeypointDecoder();
        var scalar = new KeypointDecoder { Simd = false };
        var a = new Keypoint[j];
        var b = new Keypoint[j];
        for (int width = 1; width <= 140; width += 3)
        {
            var box = new BoxF(5.25f, 7.5f, 5.25f + width + 0.4f, 7.5f + 30 + width % 17);
            simd.Decode(maps, m, box, a);
            scalar.Decode(maps, m, box, b);
            Assert.Equal(b, a);
        }
    }

    [Theory]
    [InlineData(56, 1)]
    [InlineData(56, 2)]
    [InlineData(13, 3)]
    public void Decode_PrunedRows_EqualExhaustiveSearchBitForBit(int m, int seed)
    {
        // Steep peaked logits like the trained head's (max ~10, background down to ~-45), noise, flat tops (many equal
        // values: the first maximum must win), a constant map, and boxes from a few pixels to several times the map.
        var rng = new Random(seed);
        const int j = 6;
        var maps = new float[j * m * m];
        var pruned = new Keypoint[j];
        var full = new Keypoint[j];
        var fast = new KeypointDecoder();
        var reference = new KeypointDecoder { PruneRows = false };
        for (int trial = 0; trial < 60; trial++)
        {
            for (int k = 0; k < j; k++)
            {
                var map = maps.AsSpan(k * m * m, m * m);
                float cx = rng.NextSingle() * m, cy = rng.NextSingle() * m, sigma = 0.7f + 3 * rng.NextSingle();
                for (int y = 0; y < m; y++)
                    for (int x = 0; x < m; x++)
                    {
                        float d2 = ((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (sigma * sigma);
                        map[y * m + x] = (k % 3) switch
                        {
                            0 => 10f - 4f * MathF.Sqrt(d2) * (1f + rng.NextSingle()),
                            1 => MathF.Min(3f, 12f - 3f * d2), // a flat top: many equal values
                            _ => rng.NextSingle() * 8f - 4f,
                        };
                    }
            }
            if (trial == 0) maps.AsSpan(0, m * m).Fill(0.25f);
            float x1 = rng.NextSingle() * 200, y1 = rng.NextSingle() * 200;
            float w = trial % 4 == 0 ? 1 + rng.NextSingle() * 20 : 8 + rng.NextSingle() * 300;
            float h = trial % 5 == 0 ? 1 + rng.NextSingle() * 20 : 8 + rng.NextSingle() * 400;
            var box = new BoxF(x1, y1, x1 + w, y1 + h);
            fast.Decode(maps, m, box, pruned);
            reference.Decode(maps, m, box, full);
            for (int k = 0; k < j; k++)
                Assert.True(full[k].Equals(pruned[k]), $"trial {trial} map {k} box {box}: pruned {pruned[k]}, full {full[k]}");
        }
    }

    [Fact]
    public void Decode_MapWithNaN_KeepsTorchArgmaxRule()
    {
        // A NaN is torch.argmax's maximum; the pruned row search cannot bound it and hands the map to the full one.
        const int m = 56;
        var map = new float[m * m];
        map[10 * m + 20] = float.NaN;
        map[30 * m + 30] = 5f;
        var kps = new Keypoint[1];
        var expected = new Keypoint[1];
        new KeypointDecoder().Decode(map, m, new BoxF(0, 0, 200, 300), kps);
        new KeypointDecoder { PruneRows = false }.Decode(map, m, new BoxF(0, 0, 200, 300), expected);
        Assert.True(float.IsNaN(kps[0].Score));
        Assert.Equal(expected[0], kps[0]);
    }
}
