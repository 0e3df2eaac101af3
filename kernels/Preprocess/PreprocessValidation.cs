namespace MaskStream.Kernels.Preprocess;

internal static class PreprocessValidation
{
    public static void Check(int bgrLength, int height, int width, int resizedHeight, int resizedWidth, int paddedHeight,
        int paddedWidth, int outputLength)
    {
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"Frame size {width}x{height}: both must be >= 1.");
        if (bgrLength != (long)height * width * 3)
            throw new ArgumentException($"A {width}x{height} BGR frame needs {(long)height * width * 3} bytes, got {bgrLength}.", "bgr");
        if (resizedHeight < 1 || resizedWidth < 1 || resizedHeight > paddedHeight || resizedWidth > paddedWidth)
            throw new ArgumentOutOfRangeException(nameof(resizedHeight),
                $"Resized {resizedWidth}x{resizedHeight} must be >= 1 and fit the padded {paddedWidth}x{paddedHeight}.");
        if (outputLength != 3L * paddedHeight * paddedWidth)
            throw new ArgumentException(
                $"Output holds {outputLength} floats; [3,{paddedHeight},{paddedWidth}] needs {3L * paddedHeight * paddedWidth}.", "output");
    }
}
