using MaskStream.Kernels.Preprocess;
using MaskStream.Kernels.Resize;
using MaskStream.Kernels.Tests.Ilgpu;

namespace MaskStream.Kernels.Tests.Preprocess;

/// <summary>
/// Preprocessing against torchvision's GeneralizedRCNNTransform on hard-edged frames: sampled pixels within
/// 1e-5 (PARITY §W2: an f32 source coordinate shows ~1e-4), padding exactly 0, channel means within 1e-6.
/// </summary>
public sealed class CpuPreprocessTests
{
    public static TheoryData<string> Cases() => KernelFixtures.CaseNames("preprocess");

    [Theory]
    [MemberData(nameof(Cases))]
    public void Run_MatchesGeneralizedRCNNTransform(string name) =>
        AssertMatchesFixture(new CpuPreprocess(Normalization.ImageNet, 2), name);

    internal static void AssertMatchesFixture(IPreprocessKernel kernel, string name)
    {
        var c = KernelFixtures.Case("preprocess", name);
        int h = c.GetProperty("height").GetInt32(), w = c.GetProperty("width").GetInt32();
        var rule = new ResizeRule(c.GetProperty("min_size").GetInt32(), c.GetProperty("max_size").GetInt32(), 32);
        var (rh, rw) = rule.ResizedSize(h, w);
        var (ph, pw) = rule.PaddedSize(rh, rw);
        Assert.Equal((c.GetProperty("resized")[0].GetInt32(), c.GetProperty("resized")[1].GetInt32()), (rh, rw));
        Assert.Equal((c.GetProperty("padded")[0].GetInt32(), c.GetProperty("padded")[1].GetInt32()), (ph, pw));

        var output = new float[3 * ph * pw];
        Array.Fill(output, float.NaN); // padding must be written, not assumed
        kernel.Run(TestFrames.BinaryNoise(h, w), h, w, rh, rw, ph, pw, output);

        float maxDiff = 0f;
        foreach (var s in c.GetProperty("samples").EnumerateArray())
        {
            int ch = s[0].GetInt32(), y = s[1].GetInt32(), x = s[2].GetInt32();
            maxDiff = MathF.Max(maxDiff, MathF.Abs(output[(ch * ph + y) * pw + x] - s[3].GetSingle()));
        }
        Assert.True(maxDiff <= 1e-5f, $"{name}: sampled max |Δ| {maxDiff}");

        var sums = c.GetProperty("channel_sums").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        for (int ch = 0; ch < 3; ch++)
        {
            double sum = 0;
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                {
                    float v = output[(ch * ph + y) * pw + x];
                    if (y < rh && x < rw) sum += v;
                    else Assert.Equal(0f, v);
                }
            Assert.True(Math.Abs(sum - sums[ch]) / (rh * (double)rw) <= 1e-6, $"{name} channel {ch}: mean differs");
        }
    }

    [Fact]
    public void Run_SameSize_CopiesNormalisedPixels()
    {
        // Resize to the frame's own size is the identity: weights (1, 0) everywhere. Pixel (0,0) is BGR (255,0,0)
        // → R = 0: (0 - 0.485) / 0.229; B = 1: (1 - 0.406) / 0.225.
        byte[] bgr = [255, 0, 0, 0, 0, 255];
        var output = new float[3 * 32 * 32];
        new CpuPreprocess(Normalization.ImageNet, 1).Run(bgr, 1, 2, 1, 2, 32, 32, output);
        Assert.Equal((0f - 0.485f) / 0.229f, output[0]);
        Assert.Equal((1f - 0.406f) / 0.225f, output[2 * 1024]);
        Assert.Equal((1f - 0.485f) / 0.229f, output[1]);
        Assert.Equal(0f, output[2]);
    }

    [Theory]
    [InlineData(1, 16)]
    [InlineData(3, 17)]
    [InlineData(16, 31)]
    [InlineData(48, 640)]
    public void Run_SameSize_EveryByteOfEveryChannelGivesItsF32Value(int h, int w)
    {
        // The 16-pixel shuffle path and the table path for the row's tail: every byte value in every channel and
        // position, against the f32 expression the table is built from, bit for bit, and the padding zeroed.
        var bgr = new byte[h * w * 3];
        for (int i = 0; i < bgr.Length; i++) bgr[i] = (byte)(i * 7 + i / 3);
        var n = new Normalization(0.485f, 0.456f, 0.406f, 0.229f, 0.224f, 0.225f);
        int ph = h + 5, pw = w + 3;
        var output = new float[3 * ph * pw];
        output.AsSpan().Fill(float.NaN);
        new CpuPreprocess(n, 2).Run(bgr, h, w, h, w, ph, pw, output);
        float[] mean = [n.MeanR, n.MeanG, n.MeanB], std = [n.StdR, n.StdG, n.StdB];
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < ph; y++)
                for (int x = 0; x < pw; x++)
                {
                    float expected = y < h && x < w ? ((float)bgr[(y * w + x) * 3 + 2 - c] / 255f - mean[c]) / std[c] : 0f;
                    Assert.Equal(BitConverter.SingleToInt32Bits(expected), BitConverter.SingleToInt32Bits(output[(c * ph + y) * pw + x]));
                }
    }

    [Theory]
    [InlineData(480, 640, 544, 725)]  // the shipped model's 640×480 camera: upscale
    [InlineData(720, 1280, 408, 725)] // 1280×720: downscale
    [InlineData(37, 53, 45, 61)]      // odd sizes: a scalar tail after the 8-wide gathers
    [InlineData(9, 7, 13, 15)]        // narrower than one vector
    public void Run_SimdRowResize_BitIdenticalToScalar(int h, int w, int rh, int rw)
    {
        // The gathered x resize (AVX2) against the table-and-scalar one it replaced, every value of the padded output.
        byte[] bgr = TestFrames.BinaryNoise(h, w);
        for (int i = 0; i < bgr.Length; i += 5) bgr[i] = (byte)(i * 13); // every byte value, not only 0 and 255
        int ph = (rh + 31) / 32 * 32, pw = (rw + 31) / 32 * 32;
        var simd = new float[3 * ph * pw];
        var scalar = new float[simd.Length];
        new CpuPreprocess(Normalization.ImageNet, 2).Run(bgr, h, w, rh, rw, ph, pw, simd);
        new CpuPreprocess(Normalization.ImageNet, 2) { Simd = false }.Run(bgr, h, w, rh, rw, ph, pw, scalar);
        for (int i = 0; i < simd.Length; i++)
            Assert.True(BitConverter.SingleToInt32Bits(simd[i]) == BitConverter.SingleToInt32Bits(scalar[i]),
                $"value {i}: SIMD {simd[i]:R}, scalar {scalar[i]:R}");
    }

    [Fact]
    public void Run_BufferOfWrongSize_ThrowsWithExpectedSize()
    {
        var ex = Assert.Throws<ArgumentException>(() =>
            new CpuPreprocess(Normalization.ImageNet).Run(new byte[10], 2, 2, 2, 2, 32, 32, new float[3 * 32 * 32]));
        Assert.Contains("needs 12 bytes", ex.Message);
    }
}

[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuPreprocessTests(IlgpuCpuFixture fixture)
{
    [Fact]
    public void Run_DownAndUpscale_BitIdenticalToCpu()
    {
        // Small frames keep ILGPU's CPU accelerator fast; the CPU kernel is the one checked against torchvision,
        // so bit-identity carries that parity over. Downscale, upscale, and the identity size.
        foreach (var (h, w, rh, rw) in new[] { (37, 53, 23, 31), (19, 26, 45, 61), (40, 50, 40, 50) })
        {
            byte[] bgr = TestFrames.BinaryNoise(h, w);
            var cpu = new float[3 * 64 * 64];
            var gpu = new float[cpu.Length];
            new CpuPreprocess(Normalization.ImageNet, 2).Run(bgr, h, w, rh, rw, 64, 64, cpu);
            new IlgpuPreprocess(fixture.Accelerator, Normalization.ImageNet).Run(bgr, h, w, rh, rw, 64, 64, gpu);
            Assert.Equal(cpu, gpu);
        }
    }
}
