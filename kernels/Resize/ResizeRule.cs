namespace MaskStream.Kernels.Resize;

/// <summary>
/// torchvision GeneralizedRCNNTransform's eval resize rule and batch padding (PARITY §2): scale the shorter side
/// to <see cref="MinSize"/> unless the longer side would pass <see cref="MaxSize"/>, then pad bottom/right to a
/// multiple of <see cref="SizeDivisible"/>.
/// </summary>
/// <param name="MinSize">Target of the shorter side (800 for the R-CNN defaults; the last of a min_size tuple).</param>
/// <param name="MaxSize">Cap of the longer side (1333).</param>
/// <param name="SizeDivisible">Padded sizes are multiples of this (32).</param>
public readonly record struct ResizeRule(int MinSize, int MaxSize, int SizeDivisible)
{
    /// <summary>
    /// The resized (height, width) of a height×width image, exactly as eager torchvision computes it:
    /// scale = min(f32(f32(1/f32(minSide))·minSize), f32(f32(1/f32(maxSide))·maxSize)) — PyTorch evaluates
    /// scalar/tensor as reciprocal-then-multiply — and size = floor((double)side·(double)scale).
    /// A plain f32 divide, or rounding instead of flooring, gives 800 where torchvision gives 799 (e.g. 375×500).
    /// </summary>
    public (int Height, int Width) ResizedSize(int height, int width)
    {
        Validate(height, width);
        float minSide = Math.Min(height, width), maxSide = Math.Max(height, width);
        float byMin = (1f / minSide) * MinSize;
        float byMax = (1f / maxSide) * MaxSize;
        float scale = Math.Min(byMin, byMax);
        return ((int)Math.Floor(height * (double)scale), (int)Math.Floor(width * (double)scale));
    }

    /// <summary>Padded (height, width) of a batch whose largest resized image is maxHeight×maxWidth.</summary>
    public (int Height, int Width) PaddedSize(int maxHeight, int maxWidth)
    {
        Validate(maxHeight, maxWidth);
        int d = SizeDivisible;
        return ((maxHeight + d - 1) / d * d, (maxWidth + d - 1) / d * d);
    }

    private void Validate(int height, int width)
    {
        if (MinSize < 1 || MaxSize < 1 || SizeDivisible < 1)
            throw new ArgumentOutOfRangeException(nameof(MinSize),
                $"Resize rule min {MinSize} / max {MaxSize} / divisible {SizeDivisible}: all must be >= 1.");
        if (height < 1 || width < 1)
            throw new ArgumentOutOfRangeException(nameof(height), $"Image size {height}x{width}: both must be >= 1.");
    }
}
