using System.Text.Json;
using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Kernels.Tests.RoiAlign;

/// <summary>
/// One suite for every IRoiAlignKernel: torchvision.ops.roi_align fixtures (aligned true/false, sampling ratio
/// 2, 0 and -1, boxes outside, tiny, huge, reversed, two batch images) and detectron2-style hand-worked cases.
/// </summary>
public abstract class RoiAlignKernelTests
{
    /// <summary>The tolerance; the CPU kernel is in fact bit-exact (see CpuRoiAlignTests).</summary>
    public const float Tolerance = 1e-4f;

    protected abstract IRoiAlignKernel Kernel { get; }

    public static TheoryData<string> TorchvisionCases()
    {
        var data = new TheoryData<string>();
        foreach (var c in KernelFixtures.Manifest.GetProperty("roi_align").GetProperty("cases").EnumerateArray())
            data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(TorchvisionCases))]
    public void Run_MatchesTorchvisionRoiAlign(string caseName)
    {
        var (expected, actual) = RunFixtureCase(Kernel, caseName);
        Assert.True(KernelFixtures.MaxAbsDiff(expected, actual) <= Tolerance,
            $"{caseName}: max |Δ| {KernelFixtures.MaxAbsDiff(expected, actual)} > {Tolerance}");
    }

    internal static (float[] Expected, float[] Actual) RunFixtureCase(IRoiAlignKernel kernel, string caseName)
    {
        var root = KernelFixtures.Manifest.GetProperty("roi_align");
        var c = KernelFixtures.FindCase(root.GetProperty("cases"), caseName);
        string input = c.GetProperty("input").GetString()!;
        var (shape, data) = KernelFixtures.LoadNpy(root.GetProperty("inputs").GetProperty(input).GetString()!);
        var level = new FeatureLevel(data, shape[0], shape[1], shape[2], shape[3]);
        RoiBox[] rois = ReadRois(root.GetProperty("rois").GetProperty(input));
        var p = new RoiAlignParams(c.GetProperty("pooled_height").GetInt32(), c.GetProperty("pooled_width").GetInt32(),
            c.GetProperty("spatial_scale").GetSingle(), c.GetProperty("sampling_ratio").GetInt32(), c.GetProperty("aligned").GetBoolean());
        var (_, expected) = KernelFixtures.LoadNpy(c.GetProperty("output").GetString()!);
        var actual = new float[expected.Length];
        kernel.Run(level, rois, p, actual);
        return (expected, actual);
    }

    internal static RoiBox[] ReadRois(JsonElement rows) =>
        rows.EnumerateArray().Select(r =>
        {
            float[] v = KernelFixtures.Floats(r);
            return new RoiBox((int)v[0], v[1], v[2], v[3], v[4]);
        }).ToArray();

    /// <summary>The 5×5 ramp of detectron2's test_roi_align.py: value = 5·y + x.</summary>
    private static FeatureLevel Ramp5x5() =>
        new(Enumerable.Range(0, 25).Select(i => (float)i).ToArray(), 1, 1, 5, 5);

    [Fact]
    public void Run_RampLegacyMode_SamplesWithoutHalfPixelShift()
    {
        // Box [1,1,3,3], scale 1, 4x4 bins, adaptive grid ceil(2/4) = 1 sample per bin. Legacy mode: start 1,
        // bin 0.5, samples at 1.25, 1.75, 2.25, 2.75 on each axis; value = 5y + x, e.g. 5·1.25 + 1.25 = 7.5.
        float[] expected =
        [
            7.5f, 8f, 8.5f, 9f,
            10f, 10.5f, 11f, 11.5f,
            12.5f, 13f, 13.5f, 14f,
            15f, 15.5f, 16f, 16.5f,
        ];
        var output = new float[16];
        Kernel.Run(Ramp5x5(), [new RoiBox(0, 1, 1, 3, 3)], new RoiAlignParams(4, 4, 1f, 0, Aligned: false), output);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void Run_RampAlignedMode_ShiftsByHalfPixel()
    {
        // Aligned: start 1 - 0.5 = 0.5, samples at 0.75, 1.25, 1.75, 2.25; 5·0.75 + 0.75 = 4.5.
        float[] expected =
        [
            4.5f, 5f, 5.5f, 6f,
            7f, 7.5f, 8f, 8.5f,
            9.5f, 10f, 10.5f, 11f,
            12f, 12.5f, 13f, 13.5f,
        ];
        var output = new float[16];
        Kernel.Run(Ramp5x5(), [new RoiBox(0, 1, 1, 3, 3)], new RoiAlignParams(4, 4, 1f, 0, Aligned: true), output);
        Assert.Equal(expected, output);
    }

    [Fact]
    public void Run_RampBottomRightEdge_ClampsToLastPixelAndZeroesBeyondOne()
    {
        // Box [3,3,7,7], legacy, 2x2 bins, sampling ratio 1: samples at 4 and 6 on each axis. 4 is the last
        // row/column (y_low >= H-1 → value of pixel 4); 6 > H = 5 is outside → 0. So only bin (0,0) = 24.
        var output = new float[4];
        Kernel.Run(Ramp5x5(), [new RoiBox(0, 3, 3, 7, 7)], new RoiAlignParams(2, 2, 1f, 1, Aligned: false), output);
        Assert.Equal([24f, 0f, 0f, 0f], output);
    }

    [Fact]
    public void Run_EmptyBoxAligned_GivesZeros()
    {
        // Aligned mode keeps a zero-size RoI empty: adaptive grid 0, count max(0,1) = 1, sum 0.
        var output = Enumerable.Repeat(float.NaN, 16).ToArray();
        Kernel.Run(Ramp5x5(), [new RoiBox(0, 2, 2, 2, 2)], new RoiAlignParams(4, 4, 1f, 0, Aligned: true), output);
        Assert.All(output, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void Run_EmptyBoxLegacy_BecomesOnePixelRoi()
    {
        // Legacy mode stretches [2,2,2,2] to 1x1: 1x1 bins, grid 1, sample at (2.5, 2.5) → 5·2.5 + 2.5 = 15.
        var output = new float[1];
        Kernel.Run(Ramp5x5(), [new RoiBox(0, 2, 2, 2, 2)], new RoiAlignParams(1, 1, 1f, 0, Aligned: false), output);
        Assert.Equal(15f, output[0]);
    }

    [Fact]
    public void Run_NoRois_LeavesOutputUntouched()
    {
        var output = Enumerable.Repeat(42f, 49).ToArray();
        Kernel.Run(Ramp5x5(), ReadOnlySpan<RoiBox>.Empty, new RoiAlignParams(7, 7, 1f, 2, false), output.AsSpan(0, 0));
        Kernel.Run(Ramp5x5(), ReadOnlySpan<RoiBox>.Empty, new RoiAlignParams(7, 7, 1f, 2, false), output);
        Kernel.Run(Ramp5x5(), ReadOnlySpan<RoiBox>.Empty, ReadOnlySpan<int>.Empty, new RoiAlignParams(7, 7, 1f, 2, false), output);
        Assert.All(output, v => Assert.Equal(42f, v));
    }

    [Fact]
    public void Run_WithOutputRows_WritesEachRoiIntoItsRowOnly()
    {
        var p = new RoiAlignParams(4, 4, 1f, 0, Aligned: false);
        var output = Enumerable.Repeat(-1f, 3 * 16).ToArray();
        Kernel.Run(Ramp5x5(), [new RoiBox(0, 1, 1, 3, 3)], [2], p, output);
        Assert.All(output.AsSpan(0, 32).ToArray(), v => Assert.Equal(-1f, v));
        Assert.Equal(7.5f, output[32]);
        Assert.Equal(16.5f, output[47]);
    }

    [Fact]
    public void Run_BatchIndexOutsideFeatureMap_ThrowsNamingTheRoi()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() =>
            Kernel.Run(Ramp5x5(), [new RoiBox(0, 1, 1, 3, 3), new RoiBox(1, 0, 0, 2, 2)],
                new RoiAlignParams(2, 2, 1f, 2, false), new float[8]));
        Assert.Contains("RoI 1: batch index 1", ex.Message);
    }

    [Fact]
    public void Run_OutputOfWrongLength_ThrowsWithExpectedShape()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Kernel.Run(Ramp5x5(), [new RoiBox(0, 1, 1, 3, 3)], new RoiAlignParams(2, 2, 1f, 2, false), new float[3]));
        Assert.Contains("[R,1,2,2]", ex.Message);
    }

    [Fact]
    public void MultiScale_MatchesTorchvisionMultiScaleRoIAlign()
    {
        var (rois, levels, imageHeight, imageWidth, expected) = LoadMultiScale();
        var pooler = new MultiScaleRoIAlign(Kernel, 7, 7, 2);
        var actual = new float[expected.Length];
        pooler.Run(levels, rois, imageHeight, imageWidth, actual);
        Assert.True(KernelFixtures.MaxAbsDiff(expected, actual) <= Tolerance,
            $"max |Δ| {KernelFixtures.MaxAbsDiff(expected, actual)}");
    }

    internal static (RoiBox[] Rois, FeatureLevel[] Levels, int ImageHeight, int ImageWidth, float[] Expected) LoadMultiScale()
    {
        var ms = KernelFixtures.Manifest.GetProperty("multiscale");
        var levels = new List<FeatureLevel>();
        foreach (string key in new[] { "0", "1", "2", "3" })
        {
            var (shape, data) = KernelFixtures.LoadNpy(ms.GetProperty("features").GetProperty(key).GetString()!);
            levels.Add(new FeatureLevel(data, shape[0], shape[1], shape[2], shape[3]));
        }
        // torchvision concatenates the per-image box lists: image 0's boxes, then image 1's.
        var rois = new List<RoiBox>();
        int b = 0;
        foreach (var boxes in ms.GetProperty("boxes").EnumerateArray())
        {
            foreach (var box in boxes.EnumerateArray())
            {
                float[] v = KernelFixtures.Floats(box);
                rois.Add(new RoiBox(b, v[0], v[1], v[2], v[3]));
            }
            b++;
        }
        int maxH = 0, maxW = 0;
        foreach (var size in ms.GetProperty("image_sizes").EnumerateArray())
        {
            maxH = Math.Max(maxH, size[0].GetInt32());
            maxW = Math.Max(maxW, size[1].GetInt32());
        }
        var (_, expected) = KernelFixtures.LoadNpy(ms.GetProperty("output").GetString()!);
        return (rois.ToArray(), levels.ToArray(), maxH, maxW, expected);
    }
}
