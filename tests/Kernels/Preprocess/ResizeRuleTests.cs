using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.Tests.Preprocess;

public sealed class ResizeRuleTests
{
    private static readonly ResizeRule RCnn = new(800, 1333, 32);

    [Theory]
    // PARITY §2/§W1, eager torchvision: the reciprocal-multiply scale and the double floor give 799, not 800.
    [InlineData(480, 640, 800, 1066)]
    [InlineData(375, 500, 799, 1066)]
    [InlineData(427, 640, 799, 1199)]
    [InlineData(333, 500, 799, 1201)]
    [InlineData(1080, 1920, 749, 1333)]
    [InlineData(3000, 4000, 799, 1066)]
    [InlineData(100, 100, 800, 800)]
    public void ResizedSize_WorkedSizes(int h, int w, int expectedH, int expectedW) =>
        Assert.Equal((expectedH, expectedW), RCnn.ResizedSize(h, w));

    [Fact]
    public void ResizedSize_AllFixtureSizes_MatchGeneralizedRCNNTransform()
    {
        var sizes = KernelFixtures.Manifest.GetProperty("resize_sizes");
        var inputs = sizes.GetProperty("scale_formula").EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
        var expected = sizes.GetProperty("expected_800_1333").EnumerateArray().Select(e => (e[0].GetInt32(), e[1].GetInt32())).ToArray();
        Assert.Equal(expected, inputs.Select(s => RCnn.ResizedSize(s.Item1, s.Item2)).ToArray());
    }

    [Fact]
    public void ResizedSize_TinyModelRuleAtItsOwnSize_KeepsTheFrame() =>
        Assert.Equal((480, 640), new ResizeRule(480, 640, 32).ResizedSize(480, 640));

    [Theory]
    [InlineData(799, 1066, 800, 1088)]
    [InlineData(749, 1333, 768, 1344)]
    [InlineData(480, 640, 480, 640)]
    public void PaddedSize_RoundsUpToDivisibility(int h, int w, int expectedH, int expectedW) =>
        Assert.Equal((expectedH, expectedW), RCnn.PaddedSize(h, w));

    [Fact]
    public void ResizedSize_ZeroSizeFrame_ThrowsNamingTheSize()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => RCnn.ResizedSize(0, 640));
        Assert.Contains("0x640", ex.Message);
    }
}
