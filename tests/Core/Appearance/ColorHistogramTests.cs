using System.Collections.Immutable;
using MaskStream.Core.Appearance;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using OpenCvSharp;

namespace MaskStream.Core.Tests.Appearance;

public class ColorHistogramTests
{
    private const int PartBins = ColorHistogram.PartBins;

    /// <summary>Every 8th level of each channel (33³ colours with the top level): OpenCV's float BGR→HSV is the reference.</summary>
    [Fact]
    public void ToHsv_MatchesOpenCvFloatConversion()
    {
        var levels = Enumerable.Range(0, 32).Select(i => (byte)(i * 8)).Append((byte)255).ToArray();
        int n = levels.Length * levels.Length * levels.Length;
        var bgr = new float[n * 3];
        var pixels = new (byte B, byte G, byte R)[n];
        int k = 0;
        foreach (byte b in levels)
            foreach (byte g in levels)
                foreach (byte r in levels)
                {
                    pixels[k] = (b, g, r);
                    bgr[3 * k] = b / 255f;
                    bgr[3 * k + 1] = g / 255f;
                    bgr[3 * k + 2] = r / 255f;
                    k++;
                }
        using var src = Mat.FromPixelData(1, n, MatType.CV_32FC3, bgr);
        using var hsv = new Mat();
        Cv2.CvtColor(src, hsv, ColorConversionCodes.BGR2HSV);
        hsv.GetArray(out Vec3f[] expected);

        for (int i = 0; i < n; i++)
        {
            var (h, s, v) = ColorHistogram.ToHsv(pixels[i].B, pixels[i].G, pixels[i].R);
            Assert.True(Math.Abs(h - expected[i].Item0) < 1e-2 || Math.Abs(Math.Abs(h - expected[i].Item0) - 360) < 1e-2,
                $"{pixels[i]}: hue {h} against OpenCV's {expected[i].Item0}");
            Assert.True(Math.Abs(s - expected[i].Item1) < 1e-5, $"{pixels[i]}: saturation {s} against OpenCV's {expected[i].Item1}");
            Assert.True(Math.Abs(v - expected[i].Item2) < 1e-6, $"{pixels[i]}: value {v} against OpenCV's {expected[i].Item2}");
        }
    }

    /// <summary>
    /// The integer bins agree with the bins of OpenCV-style float HSV (<see cref="ColorHistogram.ToHsv"/>) on every colour
    /// whose float hue, saturation and value are not within rounding of a bin edge.
    /// </summary>
    [Fact]
    public void Bin_AgreesWithTheFloatHsvBins_AwayFromEdges()
    {
        int compared = 0;
        for (int b = 0; b < 256; b += 3)
            for (int g = 0; g < 256; g += 3)
                for (int r = 0; r < 256; r += 3)
                {
                    var (h, s, v) = ColorHistogram.ToHsv((byte)b, (byte)g, (byte)r);
                    static bool NearEdge(double x, double step, double origin = 0) =>
                        Math.Abs((x - origin) / step - Math.Round((x - origin) / step)) < 1e-4;
                    if (NearEdge(h, 45) || NearEdge(s, 0.85 / 4, 0.15) || NearEdge(v, 0.25) || Math.Abs(s - 0.15) < 1e-5 || Math.Abs(v - 0.15) < 1e-5)
                        continue;
                    int expected = s < 0.15f || v < 0.15f
                        ? 32 + Math.Min(3, (int)(v * 4))
                        : Math.Min(7, (int)(h / 45)) * 4 + Math.Min(3, (int)((s - 0.15f) * 4 / 0.85f));
                    Assert.True(expected == ColorHistogram.Bin((byte)b, (byte)g, (byte)r), $"({b}, {g}, {r}): hsv ({h}, {s}, {v})");
                    compared++;
                }
        Assert.True(compared > 500_000, $"only {compared} colours compared");
    }

    [Theory]
    // Pure red: hue 0, saturation 1 → hue bin 0, top saturation bin.
    [InlineData(0, 0, 255, 0 * 4 + 3)]
    // Pure green (hue 120 → bin 2), pure blue (240 → bin 5), yellow (60 → bin 1).
    [InlineData(0, 255, 0, 2 * 4 + 3)]
    [InlineData(255, 0, 0, 5 * 4 + 3)]
    [InlineData(0, 255, 255, 1 * 4 + 3)]
    // Pale red (255, 191, 191): saturation 0.25 → (0.25 − 0.15) / (0.85 / 4) = 0.47 → bin 0.
    [InlineData(191, 191, 255, 0 * 4 + 0)]
    // Greys by value: black, 100 (0.39 → 1), 200 (0.78 → 3), white.
    [InlineData(0, 0, 0, 32 + 0)]
    [InlineData(100, 100, 100, 32 + 1)]
    [InlineData(200, 200, 200, 32 + 3)]
    [InlineData(255, 255, 255, 32 + 3)]
    // Dark red (value 30/255 = 0.12 < 0.15) is grey, value bin 0, whatever its hue.
    [InlineData(0, 0, 30, 32 + 0)]
    public void Bin_HandWorkedColours(byte b, byte g, byte r, int expected) =>
        Assert.Equal(expected, ColorHistogram.Bin(b, g, r));

    /// <summary>A 6×4 frame: red shirt (rows 0–1), blue trousers (rows 2–3) on a grey background; the mask is a 2-px-wide
    /// column block x ∈ [1, 3) over all rows, and one more pixel at (5, 0) that is green.</summary>
    [Fact]
    public void Compute_KnownMask_CountsOnlyMaskPixelsSplitAtTheRow()
    {
        const int w = 6, h = 4;
        var frame = new byte[w * h * 3];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                (byte B, byte G, byte R) c = y < 2 ? ((byte)0, (byte)0, (byte)255) : ((byte)255, (byte)0, (byte)0);
                if (x == 0 || x >= 3) c = (128, 128, 128);
                if (x == 5 && y == 0) c = (0, 255, 0);
                int o = (y * w + x) * 3;
                (frame[o], frame[o + 1], frame[o + 2]) = c;
            }
        var maskPixels = new byte[w * h];
        for (int y = 0; y < h; y++) { maskPixels[y * w + 1] = 1; maskPixels[y * w + 2] = 1; }
        maskPixels[5] = 1;
        var mask = RleMask.Encode(maskPixels, h, w);

        var hist = ColorHistogram.Compute(frame, w, h, mask, splitRow: 2f)!;

        var v = hist.Values;
        // Upper: 4 red pixels and 1 green one; lower: 4 blue pixels.
        Assert.Equal(0.8f, v[0 * 4 + 3], 6);
        Assert.Equal(0.2f, v[2 * 4 + 3], 6);
        Assert.Equal(1f, v[PartBins + 5 * 4 + 3], 6);
        Assert.Equal(1f, v.ToArray().Sum() / 2, 5);
        // The grey background never counts.
        for (int i = 32; i < PartBins; i++) { Assert.Equal(0f, v[i]); Assert.Equal(0f, v[PartBins + i]); }
    }

    [Fact]
    public void Compute_MaskAboveTheSplitOnly_LeavesTheLowerPartEmpty()
    {
        const int w = 3, h = 4;
        var frame = new byte[w * h * 3];
        var maskPixels = new byte[w * h];
        maskPixels[0] = maskPixels[1] = 1; // row 0
        var hist = ColorHistogram.Compute(frame, w, h, RleMask.Encode(maskPixels, h, w), splitRow: 1.5f)!;
        Assert.Equal(1f, hist.Values[32]); // black → grey value bin 0
        Assert.True(hist.Values[PartBins..].ToArray().All(x => x == 0));
    }

    [Fact]
    public void Compute_EmptyMask_IsNull() =>
        Assert.Null(ColorHistogram.Compute(new byte[4 * 4 * 3], 4, 4, RleMask.Empty(4, 4), 2f));

    [Fact]
    public void Compute_MaskOfAnotherSize_ThrowsNamingBothSizes()
    {
        var e = Assert.Throws<ArgumentException>(() => ColorHistogram.Compute(new byte[4 * 4 * 3], 4, 4, RleMask.Empty(3, 4), 2f));
        Assert.Contains("4x3", e.Message);
        Assert.Contains("4x4", e.Message);
    }

    /// <summary>The box form equals the mask form for a rectangular mask.</summary>
    [Fact]
    public void ComputeBox_EqualsComputeOfTheRectangleMask()
    {
        const int w = 16, h = 12;
        var rng = new Random(5);
        var frame = new byte[w * h * 3];
        rng.NextBytes(frame);
        var maskPixels = new byte[w * h];
        for (int y = 3; y < 10; y++)
            for (int x = 2; x < 7; x++) maskPixels[y * w + x] = 1;
        var fromMask = ColorHistogram.Compute(frame, w, h, RleMask.Encode(maskPixels, h, w), 6.5f)!;
        var fromBox = ColorHistogram.ComputeBox(frame, w, h, new BoxF(2, 3, 7, 10), 6.5f)!;
        Assert.Equal(fromMask, fromBox);
    }

    [Fact]
    public void Distance_HandWorked()
    {
        var a = new float[ColorHistogram.Length];
        var b = new float[ColorHistogram.Length];
        // Upper: a = (0.5, 0.5), b = (0.5, 0, 0.5): coefficient 0.5 → √0.5. Lower: identical → 0.
        a[0] = 0.5f; a[1] = 0.5f;
        b[0] = 0.5f; b[2] = 0.5f;
        a[PartBins + 3] = 1; b[PartBins + 3] = 1;
        Assert.Equal(Math.Sqrt(0.5) / 2, ColorHistogram.Distance(a, b), 6);
        // Disjoint uppers only (lower of b empty): distance 1 from the one part both have.
        Array.Clear(b);
        b[5] = 1;
        Assert.Equal(1.0, ColorHistogram.Distance(a, b), 6);
        // No part in common: NaN.
        Array.Clear(a, 0, PartBins);
        Assert.True(double.IsNaN(ColorHistogram.Distance(a, b)));
    }

    [Fact]
    public void SplitRow_HipsWhenThereAreKeypoints_ElseTheMiddle()
    {
        var box = new BoxF(10, 20, 30, 120);
        var keypoints = Enumerable.Range(0, 17).Select(i => new Keypoint(15, 20 + 5 * i, 1)).ToImmutableArray();
        Assert.Equal(0.5f * (75 + 80), ColorHistogram.SplitRow(box, keypoints));
        Assert.Equal(70f, ColorHistogram.SplitRow(box, ImmutableArray<Keypoint>.Empty));
        var outside = keypoints.SetItem(11, new Keypoint(15, 400, 1)).SetItem(12, new Keypoint(15, 410, 1));
        // Hips below a box cut off by a wall: all that is seen is upper body.
        Assert.Equal(405f, ColorHistogram.SplitRow(box, outside));
    }
}
