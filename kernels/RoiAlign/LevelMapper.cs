namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// FPN level assignment (Lin et al., Feature Pyramid Networks, eq. 1): a box of 224 pixels maps to level 4,
/// every halving of sqrt(area) one level down. Computed in f32 exactly as torchvision's poolers.LevelMapper.
/// </summary>
public static class LevelMapper
{
    /// <summary>Box side (sqrt of area, input-image pixels) that maps to <see cref="CanonicalLevel"/>.</summary>
    public const int CanonicalScale = 224;

    public const int CanonicalLevel = 4;

    /// <summary>
    /// Added before the floor so boxes exactly on a boundary (112, 224, 448) land on the upper level despite
    /// log2 rounding; torchvision keeps the same constant.
    /// </summary>
    public const float Eps = 1e-6f;

    /// <summary>
    /// Index (0-based from <paramref name="kMin"/>) of the level that pools this xyxy box, or -1 when the
    /// level is NaN (a box with negative area): torchvision leaves such a RoI's output at zero.
    /// </summary>
    public static int MapLevel(float x1, float y1, float x2, float y2, int kMin, int kMax,
        int canonicalScale = CanonicalScale, int canonicalLevel = CanonicalLevel, float eps = Eps)
    {
        float area = (x2 - x1) * (y2 - y1);
        float s = MathF.Sqrt(area);
        float level = MathF.Floor(canonicalLevel + MathF.Log2(s / canonicalScale) + eps);
        if (float.IsNaN(level)) return -1;
        level = Math.Clamp(level, kMin, kMax);
        return (int)level - kMin;
    }

    /// <summary>
    /// torchvision's _infer_scale: 2^round(log2(featureSize / imageSize)), the ratio rounded to f32 before log2
    /// and the exponent rounded half to even. torchvision passes sizes along y (height) only.
    /// </summary>
    public static float InferScale(int featureSize, int imageSize)
    {
        if (featureSize < 1 || imageSize < 1)
            throw new ArgumentOutOfRangeException(nameof(featureSize),
                $"Scale inference needs positive sizes, got feature {featureSize} and image {imageSize}.");
        float approx = (float)((double)featureSize / imageSize);
        return (float)Math.Pow(2.0, MathF.Round(MathF.Log2(approx)));
    }

    /// <summary>The FPN level k of a power-of-two scale (1/4 → 2).</summary>
    public static int LevelOfScale(float scale) => (int)-MathF.Log2(scale);
}
