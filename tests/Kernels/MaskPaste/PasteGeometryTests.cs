using MaskStream.Core.Geometry;
using MaskStream.Kernels.MaskPaste;

namespace MaskStream.Kernels.Tests.MaskPaste;

public sealed class PasteGeometryTests
{
    [Fact]
    public void Compute_BoxAtTopLeftEdge_TruncatesTowardZero()
    {
        // [0,0,10,10], M = 28: half = 5·(30/28) = 5.357, centre 5 → x1 = -0.357 truncates to 0 (floor gives -1),
        // x2 = 10.357 → 10; resized width 10 - 0 + 1 = 11 (TO_REMOVE); window [0, 11).
        Assert.Equal(new PasteGeometry(0, 0, 11, 11, 0, 0, 11, 11), PasteGeometry.Compute(new BoxF(0, 0, 10, 10), 28, 20, 20));
    }

    [Fact]
    public void Compute_BoxPastBottomRight_ClipsWindowToImage()
    {
        // [0,5,19.99,19.99]: half w 10.7089, cx 9.995 → x1 = -0.71 → 0, x2 = 20.70 → 20, width 21;
        // half h 8.0304, cy 12.495 → y1 = 4.46 → 4, y2 = 20.53 → 20, height 17. Window x [0,20), y [4,20).
        Assert.Equal(new PasteGeometry(0, 4, 21, 17, 0, 4, 20, 16), PasteGeometry.Compute(new BoxF(0, 5, 19.99f, 19.99f), 28, 20, 20));
    }

    [Fact]
    public void Compute_SubPixelBox_ResizesToAtLeastOnePixel()
    {
        // [3.2,3.2,3.4,3.4]: both ends truncate to 3, so the mask is resized to 1x1 and pasted at (3,3).
        Assert.Equal(new PasteGeometry(3, 3, 1, 1, 3, 3, 1, 1), PasteGeometry.Compute(new BoxF(3.2f, 3.2f, 3.4f, 3.4f), 28, 20, 20));
    }

    [Fact]
    public void Compute_NonFiniteBox_ThrowsNamingTheBox()
    {
        var ex = Assert.Throws<ArgumentException>(() => PasteGeometry.Compute(new BoxF(0, 0, float.NaN, 4), 28, 20, 20));
        Assert.Contains("non-finite", ex.Message);
    }
}
