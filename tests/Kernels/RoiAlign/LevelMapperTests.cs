using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Kernels.Tests.RoiAlign;

public sealed class LevelMapperTests
{
    [Theory]
    // PARITY §8: boxes [0,0,w,h] checked on the torchvision 0.14.1 binary (k_min 2, k_max 5, minus k_min).
    [InlineData(224f, 224f, 2)]
    [InlineData(223.99f, 224f, 1)]
    [InlineData(112f, 112f, 1)]
    [InlineData(111.99f, 112f, 0)]
    [InlineData(448f, 448f, 3)]
    [InlineData(447.9f, 448f, 2)]
    [InlineData(1f, 1f, 0)]
    [InlineData(2000f, 2000f, 3)]
    [InlineData(0f, 0f, 0)]
    public void MapLevel_TorchvisionWorkedBoxes(float w, float h, int expected) =>
        Assert.Equal(expected, LevelMapper.MapLevel(0, 0, w, h, 2, 5));

    [Fact]
    public void MapLevel_ZeroWidthBox_ClampsToKMin() =>
        Assert.Equal(0, LevelMapper.MapLevel(5, 5, 5, 9, 2, 5));

    [Fact]
    public void MapLevel_NegativeArea_HasNoLevel() =>
        Assert.Equal(-1, LevelMapper.MapLevel(10, 0, 5, 9, 2, 5));

    [Fact]
    public void MapLevel_FixtureBoxes_MatchTorchvisionMapLevels()
    {
        var ms = KernelFixtures.Manifest.GetProperty("multiscale");
        var expected = ms.GetProperty("levels").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var actual = ms.GetProperty("boxes").EnumerateArray().SelectMany(b => b.EnumerateArray())
            .Select(b => KernelFixtures.Floats(b)).Select(v => LevelMapper.MapLevel(v[0], v[1], v[2], v[3], 2, 5)).ToArray();
        Assert.Equal(expected, actual);
        Assert.Equal([0, 1, 2, 3], actual.Distinct().Order().ToArray());
    }

    [Theory]
    // 800x1088 padded input, unpadded height 800: P2..P5 heights 200, 100, 50, 25.
    [InlineData(200, 800, 0.25f)]
    [InlineData(25, 800, 0.03125f)]
    // Unpadded 250 in a 256 batch: 64/250 = 0.256 → log2 -1.97 → 2^-2.
    [InlineData(64, 250, 0.25f)]
    // Extreme aspect (PARITY §8 quirk): height 67 padded to 96 → 24/67 = 0.358 → 2^-1.
    [InlineData(24, 67, 0.5f)]
    public void InferScale_RoundsLog2OfHeightRatio(int feature, int image, float expected) =>
        Assert.Equal(expected, LevelMapper.InferScale(feature, image));

    [Fact]
    public void InferScale_FixtureLevels_MatchTorchvisionScales()
    {
        var ms = KernelFixtures.Manifest.GetProperty("multiscale");
        float[] expected = KernelFixtures.Floats(ms.GetProperty("scales"));
        int[] heights = [64, 32, 16, 8];
        Assert.Equal(expected, heights.Select(h => LevelMapper.InferScale(h, 250)).ToArray());
    }
}
