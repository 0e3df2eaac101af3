using MaskStream.Core.Geometry;

namespace MaskStream.Kernels.MaskPaste;

internal static class PasteValidation
{
    public static void Check(int maskFloats, int maskSize, int count, int imageHeight, int imageWidth)
    {
        if (maskSize < 1)
            throw new ArgumentOutOfRangeException(nameof(maskSize), $"Mask size {maskSize}: must be >= 1.");
        if (imageHeight < 1 || imageWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(imageHeight), $"Image size {imageHeight}x{imageWidth}: both must be >= 1.");
        if (maskFloats != (long)count * maskSize * maskSize)
            throw new ArgumentException(
                $"Masks hold {maskFloats} floats; {count} masks of {maskSize}x{maskSize} need {(long)count * maskSize * maskSize}.",
                "masks");
    }

    /// <summary>Checks one mask and its output window, and returns the box's paste geometry.</summary>
    public static PasteGeometry CheckWindow(int maskFloats, int maskSize, BoxF box, int imageHeight, int imageWidth,
        int windowFloats, MaskPasteMode mode)
    {
        Check(maskFloats, maskSize, 1, imageHeight, imageWidth);
        var g = PasteGeometry.Compute(box, maskSize, imageHeight, imageWidth, mode);
        if (windowFloats < g.Area)
            throw new ArgumentException($"Window buffer holds {windowFloats} floats, the paste needs {g.Width}x{g.Height}.",
                "window");
        return g;
    }
}
