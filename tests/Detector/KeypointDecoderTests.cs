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
    [InlineData(0.3f)]
    [InlineData(-0.45f)]
    [InlineData(0f)]
    public void VertexOffset_ParabolaThroughThreePoints_ItsVertex(float vertex)
    {
        static float F(float t, float v) => 4f - 2.5f * (t - v) * (t - v);
        Assert.Equal(vertex, KeypointDecoder.VertexOffset(F(-1, vertex), F(0, vertex), F(1, vertex)), 1e-5f);
    }

    [Fact]
    public void VertexOffset_NoStrictPeak_Zero()
    {
        Assert.Equal(0f, KeypointDecoder.VertexOffset(1f, 1f, 1f));           // flat
        Assert.Equal(0f, KeypointDecoder.VertexOffset(0f, 1f, 2f));           // a slope: curvature 0
        Assert.Equal(0f, KeypointDecoder.VertexOffset(float.NaN, 1f, 0.5f));
        Assert.Equal(0.5f, KeypointDecoder.VertexOffset(0f, 1f, 1f));         // a plateau of two: half-way, the clamp
    }

    [Fact]
    public void Decode_Subpixel_CloserToAPeakBetweenPixels_AndWithinHalfAPixelOfTorchvisions()
    {
        // A smooth peak (a Gaussian in logit space, as the head's heatmaps are near their maximum) at a known point
        // between pixel centres, on boxes smaller and larger than the 56-cell map: the refined keypoint is nearer the
        // peak than torchvision's cell centre, moves at most half a (ceil-corrected) pixel, and keeps its score.
        const int m = 56;
        var exact = new KeypointDecoder();
        var refined = new KeypointDecoder { Subpixel = true };
        var a = new Keypoint[1];
        var b = new Keypoint[1];
        var rng = new Random(3);
        double exactError = 0, refinedError = 0;
        foreach (float size in new[] { 19.3f, 33.7f, 56f, 90.2f, 141.6f })
            for (int trial = 0; trial < 20; trial++)
            {
                var box = new BoxF(11.2f, 4.7f, 11.2f + size, 4.7f + 1.7f * size);
                // The peak in box pixels, then in heatmap cells (u + 0.5 = m / size · (x + 0.5)).
                float px = size * (0.2f + 0.6f * rng.NextSingle()), py = 1.7f * size * (0.2f + 0.6f * rng.NextSingle());
                float ux = px * m / size - 0.5f, uy = py * m / (1.7f * size) - 0.5f;
                var map = new float[m * m];
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < m; j++)
                        map[i * m + j] = -((j - ux) * (j - ux) + (i - uy) * (i - uy)) / 18f;
                exact.Decode(map, m, box, a);
                refined.Decode(map, m, box, b);
                float tx = box.X1 + px, ty = box.Y1 + py;
                exactError += Math.Sqrt((a[0].X - tx) * (a[0].X - tx) + (a[0].Y - ty) * (a[0].Y - ty));
                refinedError += Math.Sqrt((b[0].X - tx) * (b[0].X - tx) + (b[0].Y - ty) * (b[0].Y - ty));
                Assert.True(Math.Abs(b[0].X - a[0].X) <= 0.5f * size / MathF.Ceiling(size) + 1e-4f, $"x moved {b[0].X - a[0].X}");
                Assert.True(Math.Abs(b[0].Y - a[0].Y) <= 0.5f * 1.7f * size / MathF.Ceiling(1.7f * size) + 1e-4f, $"y moved {b[0].Y - a[0].Y}");
                Assert.Equal(a[0].Score, b[0].Score);
            }
        Assert.True(refinedError < 0.5 * exactError, $"mean error: refined {refinedError / 100:F3} px, torchvision's {exactError / 100:F3} px");
    }
}
