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
}
