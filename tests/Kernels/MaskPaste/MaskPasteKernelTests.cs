using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Kernels.MaskPaste;
using MaskStream.Kernels.Tests.Ilgpu;

namespace MaskStream.Kernels.Tests.MaskPaste;

/// <summary>
/// One suite for every IMaskPasteKernel against torchvision's paste_masks_in_image: the thresholded masks as
/// RLE must be identical (same f32/f64 steps, so no pixel sits on the other side of 0.5), and the window
/// probabilities within 1e-6 (PARITY §W12).
/// </summary>
public abstract class MaskPasteKernelTests
{
    protected abstract IMaskPasteKernel Kernel { get; }

    public static TheoryData<string> Cases() => KernelFixtures.CaseNames("paste");

    private static (float[] Masks, BoxF[] Boxes, int H, int W, float[] Pasted, RleMask[] Expected) Load(string name)
    {
        var (masks, boxes, h, w, pasted) = LoadCase("paste", name);
        var expected = KernelFixtures.Case("paste", name).GetProperty("rle_counts").EnumerateArray()
            .Select(r => RleMask.FromCounts(h, w, r.EnumerateArray().Select(e => e.GetUInt32()).ToArray())).ToArray();
        return (masks, boxes, h, w, pasted, expected);
    }

    /// <summary>Largest |reference − window| inside the window of detection <paramref name="i"/>, and the reference's largest |value| outside it.</summary>
    internal static float CompareWindow(float[] pasted, int i, int h, int w, in PasteGeometry g, float[] window, out float outside)
    {
        float maxDiff = 0f;
        outside = 0f;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                float reference = pasted[(i * h + y) * w + x];
                bool inside = x >= g.Left && x < g.Left + g.Width && y >= g.Top && y < g.Top + g.Height;
                if (inside) maxDiff = MathF.Max(maxDiff, MathF.Abs(reference - window[(y - g.Top) * g.Width + x - g.Left]));
                else outside = MathF.Max(outside, MathF.Abs(reference));
            }
        return maxDiff;
    }

    /// <summary>A paste case of the fixture list <paramref name="list"/>: masks, boxes, image size and the reference paste.</summary>
    internal static (float[] Masks, BoxF[] Boxes, int H, int W, float[] Pasted) LoadCase(string list, string name)
    {
        var c = KernelFixtures.Case(list, name);
        int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
        var (_, masks) = KernelFixtures.LoadNpy(c.GetProperty("masks").GetString()!);
        var (_, pasted) = KernelFixtures.LoadNpy(c.GetProperty("pasted").GetString()!);
        var boxes = c.GetProperty("boxes").EnumerateArray().Select(KernelFixtures.Floats)
            .Select(v => new BoxF(v[0], v[1], v[2], v[3])).ToArray();
        return (masks, boxes, h, w, pasted);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Paste_ThresholdedRle_EqualsTorchvision(string name)
    {
        var (masks, boxes, h, w, _, expected) = Load(name);
        var results = new RleMask[boxes.Length];
        Kernel.Paste(masks, 28, boxes, h, w, results);
        for (int i = 0; i < boxes.Length; i++)
        {
            Assert.True(expected[i].Equals(results[i]),
                $"{name} detection {i}: area {results[i].Area} vs torchvision {expected[i].Area}, IoU {RleMask.PixelIou(results[i], expected[i], false)}");
        }
        Assert.Contains(expected, m => m.Area > 0);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void PasteProbabilities_WindowMatchesTorchvisionAndRestIsZero(string name)
    {
        var (masks, boxes, h, w, pasted, _) = Load(name);
        for (int i = 0; i < boxes.Length; i++)
        {
            var g = PasteGeometry.Compute(boxes[i], 28, h, w);
            var window = new float[g.Area];
            Kernel.PasteProbabilities(masks.AsSpan(i * 784, 784), 28, boxes[i], h, w, window);
            float maxDiff = CompareWindow(pasted, i, h, w, g, window, out float outside);
            Assert.True(maxDiff <= 1e-6f, $"{name} detection {i}: max |Δ| {maxDiff} in the window");
            Assert.Equal(0f, outside);
        }
    }

    [Fact]
    public void Paste_BoxWhollyOutsideImage_GivesEmptyMask()
    {
        var results = new RleMask[1];
        Kernel.Paste(Enumerable.Repeat(1f, 784).ToArray(), 28, [new BoxF(30, 30, 40, 40)], 20, 20, results);
        Assert.Equal(0, results[0].Area);
        Assert.Equal(20, results[0].Height);
    }

    [Fact]
    public void Paste_NoDetections_DoesNothing()
    {
        Kernel.Paste(ReadOnlySpan<float>.Empty, 28, ReadOnlySpan<BoxF>.Empty, 20, 20, Span<RleMask>.Empty);
    }

    [Fact]
    public void Paste_MaskBufferOfWrongLength_ThrowsWithExpectedCount()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            Kernel.Paste(new float[784], 28, [new BoxF(0, 0, 5, 5), new BoxF(1, 1, 6, 6)], 20, 20, new RleMask[2]));
        Assert.Contains("2 masks of 28x28 need 1568", ex.Message);
    }
}

public sealed class CpuMaskPasteTests : MaskPasteKernelTests
{
    protected override IMaskPasteKernel Kernel { get; } = new CpuMaskPaste(2);
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuMaskPasteTests(IlgpuCpuFixture fixture) : MaskPasteKernelTests
{
    protected override IMaskPasteKernel Kernel { get; } = new IlgpuMaskPaste(fixture.Accelerator);
}

/// <summary>
/// <see cref="MaskPasteMode.Aligned"/> against detectron2's paste (its pixel grid over the float box, sampled by torch's
/// grid_sample; tests/Kernels/generate_fixtures.py): the window's probabilities within 1e-5 (grid_sample sums its four
/// weighted corners in another order than our separable blend), everything outside the window 0 in the reference, and
/// the thresholded mask equal except where the reference lies within 1e-5 of 0.5.
/// </summary>
public abstract class AlignedMaskPasteKernelTests
{
    protected abstract IMaskPasteKernel Kernel { get; }

    public static TheoryData<string> Cases() => KernelFixtures.CaseNames("paste_aligned");

    [Theory]
    [MemberData(nameof(Cases))]
    public void PasteAligned_MatchesGridSampleOverTheBox(string name)
    {
        var (masks, boxes, h, w, pasted) = MaskPasteKernelTests.LoadCase("paste_aligned", name);
        var results = new RleMask[boxes.Length];
        Kernel.Paste(masks, 28, boxes, h, w, results);
        int nonEmpty = 0;
        for (int i = 0; i < boxes.Length; i++)
        {
            var g = PasteGeometry.Compute(boxes[i], 28, h, w, MaskPasteMode.Aligned);
            var window = new float[g.Area];
            Kernel.PasteProbabilities(masks.AsSpan(i * 784, 784), 28, boxes[i], h, w, window);
            var bits = results[i].Decode();
            float maxDiff = MaskPasteKernelTests.CompareWindow(pasted, i, h, w, g, window, out float outside);
            int wrongSide = 0;
            for (int p = 0; p < h * w; p++)
            {
                float reference = pasted[i * h * w + p];
                if ((bits[p] != 0) != reference > 0.5f && MathF.Abs(reference - 0.5f) > 1e-5f) wrongSide++;
            }
            Assert.True(maxDiff <= 1e-5f, $"{name} detection {i}: max |Δ| {maxDiff} in the window");
            Assert.Equal(0f, outside);
            Assert.Equal(0, wrongSide);
            if (results[i].Area > 0) nonEmpty++;
        }
        Assert.True(nonEmpty >= boxes.Length / 2, $"{name}: {nonEmpty} of {boxes.Length} masks not empty");
    }

    [Fact]
    public void PasteAligned_MaskOfOnes_CoversExactlyThePixelsWhoseCentresAreInTheBox()
    {
        // Ones in the box [2, 2, 12, 12]: pixel centres 2.5 … 11.5 are inside, so the mask is pixels 2..11, 10×10; the
        // centres 1.5 and 12.5 are more than a mask cell (10/28 px) outside, where the zero ring gives 0.
        var results = new RleMask[1];
        Kernel.Paste(Enumerable.Repeat(1f, 784).ToArray(), 28, [new BoxF(2, 2, 12, 12)], 20, 20, results);
        var bits = results[0].Decode();
        Assert.Equal(100, results[0].Area);
        Assert.Equal(1, bits[2 * 20 + 2]);
        Assert.Equal(1, bits[11 * 20 + 11]);
        Assert.Equal(0, bits[1 * 20 + 1]);
        Assert.Equal(0, bits[12 * 20 + 12]);
    }
}

public sealed class CpuAlignedMaskPasteTests : AlignedMaskPasteKernelTests
{
    protected override IMaskPasteKernel Kernel { get; } = new CpuMaskPaste(2, MaskPasteMode.Aligned);
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuAlignedMaskPasteTests(IlgpuCpuFixture fixture) : AlignedMaskPasteKernelTests
{
    protected override IMaskPasteKernel Kernel { get; } = new IlgpuMaskPaste(fixture.Accelerator, MaskPasteMode.Aligned);
}
