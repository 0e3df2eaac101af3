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
}
