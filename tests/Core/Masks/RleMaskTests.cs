using MaskStream.Core.Masks;

namespace MaskStream.Core.Tests.Masks;

public sealed class RleMaskTests
{
    [Fact]
    public void FromCompressedString_InvalidCharacter_NamesItsPosition()
    {
        var e = Assert.Throws<FormatException>(() => RleMask.FromCompressedString("03 1", 2, 2));
        Assert.Contains("' ' at position 2", e.Message);
    }

    [Fact]
    public void FromCompressedString_RunsNotMatchingSize_SaysBoth()
    {
        // "04" = runs [0, 4]: a full 2x2 mask, declared as 3x3
        var e = Assert.Throws<FormatException>(() => RleMask.FromCompressedString("04", 3, 3));
        Assert.Contains("sum to 4", e.Message);
        Assert.Contains("3x3", e.Message);
    }

    [Fact]
    public void FromCounts_WrongSum_Throws()
    {
        var e = Assert.Throws<ArgumentException>(() => RleMask.FromCounts(2, 2, [1, 2]));
        Assert.Contains("sum to 3", e.Message);
    }

    [Fact]
    public void RandomMasks_RoundTripThroughStringAndRegionEncode()
    {
        var random = new Random(12345);
        for (int iter = 0; iter < 200; iter++)
        {
            int h = random.Next(1, 40), w = random.Next(1, 40);
            var pixels = new byte[h * w];
            // blocks of set pixels so that runs of every length occur
            for (int i = 0; i < pixels.Length; i++) pixels[i] = (byte)(random.NextDouble() < 0.3 ? 1 : 0);
            var mask = RleMask.Encode(pixels, h, w);
            var parsed = RleMask.FromCompressedString(mask.ToCompressedString(), h, w);

            Assert.Equal(mask, parsed);
            Assert.Equal(pixels, parsed.Decode());
            Assert.Equal(pixels.Count(p => p != 0), parsed.Area);

            var region = RleMask.EncodeRegion(pixels, 0, 0, w, h, h, w);
            Assert.Equal(mask, region);
        }
    }

    [Fact]
    public void EncodeRegion_PlacesRegionInsideFrame()
    {
        // a 2x2 block at (x=1, y=2) in a 4 (h) x 3 (w) frame; column-major runs:
        // col 0: 4 zeros; col 1: 2 zeros, 2 ones; col 2: 2 zeros, 2 ones → [6, 2, 2, 2]
        var mask = RleMask.EncodeRegion([1, 1, 1, 1], left: 1, top: 2, roiWidth: 2, roiHeight: 2, height: 4, width: 3);
        Assert.Equal([6u, 2u, 2u, 2u], mask.Counts.ToArray());
        Assert.Equal((1.0, 2.0, 2.0, 2.0), mask.ToBbox());
    }

    [Fact]
    public void EncodeRegion_OutsideFrame_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => RleMask.EncodeRegion(new byte[4], 2, 0, 2, 2, 4, 3));
    }

    [Fact]
    public void Merge_DifferentSizes_NamesBoth()
    {
        var e = Assert.Throws<ArgumentException>(() => RleMask.Merge([RleMask.Empty(2, 2), RleMask.Empty(3, 2)]));
        Assert.Contains("3x2", e.Message);
        Assert.Contains("2x2", e.Message);
    }
}
