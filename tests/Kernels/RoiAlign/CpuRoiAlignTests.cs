using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Kernels.Tests.RoiAlign;

public sealed class CpuRoiAlignAutoTests : RoiAlignKernelTests
{
    protected override IRoiAlignKernel Kernel { get; } = new CpuRoiAlign(2);
}

public sealed class CpuRoiAlignChannelsFirstTests : RoiAlignKernelTests
{
    protected override IRoiAlignKernel Kernel { get; } = new CpuRoiAlign(2, RoiAlignLayout.ChannelsFirst);
}

public sealed class CpuRoiAlignChannelsLastTests : RoiAlignKernelTests
{
    protected override IRoiAlignKernel Kernel { get; } = new CpuRoiAlign(2, RoiAlignLayout.ChannelsLast);
}

/// <summary>Properties of the CPU kernel beyond the shared suite.</summary>
public sealed class CpuRoiAlignTests
{
    [Theory]
    [MemberData(nameof(RoiAlignKernelTests.TorchvisionCases), MemberType = typeof(RoiAlignKernelTests))]
    public void Run_SameF32StepsAsTorchvision_IsBitExact(string caseName)
    {
        // PARITY §9/§V: the plain f32 sequence (no FMA, torchvision's summation order) reproduces the binary exactly.
        var (expected, actual) = RoiAlignKernelTests.RunFixtureCase(new CpuRoiAlign(1), caseName);
        Assert.Equal(expected, actual);
    }

    [Theory]
    [InlineData(19, 26)] // two full 8-lane vectors (or one of 16) plus a scalar tail; scalar transpose
    [InlineData(72, 29)] // two blocks of four vectors held in registers, one more vector; 8×8 register transpose + a 5-pixel tail
    [InlineData(64, 16)] // the shipped model's 64 channels: register blocks only, transposed in 8×8 blocks only
    public void Run_ChannelsLastSimdAndChannelsFirst_AreBitIdentical(int c, int w)
    {
        var rng = new Random(5);
        const int n = 2, h = 21;
        var data = new float[n * c * h * w];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        var level = new FeatureLevel(data, n, c, h, w);
        var rois = new RoiBox[37];
        for (int i = 0; i < rois.Length; i++)
        {
            float x = (float)(rng.NextDouble() * 120 - 10), y = (float)(rng.NextDouble() * 100 - 10);
            rois[i] = new RoiBox(i % n, x, y, x + (float)(rng.NextDouble() * 60), y + (float)(rng.NextDouble() * 60));
        }
        foreach (int sr in new[] { 2, 0 })
        {
            var p = new RoiAlignParams(7, 5, 0.25f, sr, sr == 0);
            var first = new float[rois.Length * c * 35];
            var last = new float[first.Length];
            new CpuRoiAlign(2, RoiAlignLayout.ChannelsFirst).Run(level, rois, p, first);
            new CpuRoiAlign(2, RoiAlignLayout.ChannelsLast).Run(level, rois, p, last);
            Assert.Equal(first, last);
            Assert.Contains(first, v => v != 0f);
        }
    }
}
