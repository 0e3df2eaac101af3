namespace MaskStream.Kernels.Resize;

/// <summary>The two source indices and weights of one output index of a 1-D linear resize.</summary>
internal readonly struct LinearTap
{
    public readonly int Index0, Index1;
    public readonly float Lambda0, Lambda1;

    public LinearTap(int index0, int index1, float lambda0, float lambda1)
    {
        Index0 = index0;
        Index1 = index1;
        Lambda0 = lambda0;
        Lambda1 = lambda1;
    }

    /// <summary>
    /// torch upsample_bilinear2d, align_corners=False, no antialias (PARITY §2): the ratio in/out is rounded to
    /// f32, but the source coordinate and its fraction are evaluated in f64 (in f32 the fraction loses ~6e-5 at
    /// index 1000, visible on sharp edges). The kernel ignores any requested scale factor and uses the sizes.
    /// No Math calls: ILGPU compiles this for CUDA too.
    /// </summary>
    public static LinearTap Compute(int dst, int inSize, int outSize)
    {
        float ratio = (float)inSize / outSize;
        double src = ratio * (dst + 0.5) - 0.5;
        if (src < 0) src = 0;
        int i0 = (int)src;
        int i1 = i0 < inSize - 1 ? i0 + 1 : i0;
        double l1 = src - i0;
        return new LinearTap(i0, i1, (float)(1.0 - l1), (float)l1);
    }

    /// <summary>
    /// Aligned mask paste along one axis: pixel <paramref name="pixel"/>'s centre in a box starting at
    /// <paramref name="start"/> of <paramref name="size"/> pixels, as detectron2's paste computes it in f32 (normalised
    /// to [−1, 1] over the box, then grid_sample's unnormalise with align_corners false), as taps into the zero-padded
    /// (M+2) mask: index i + 1 for mask cell i, and a ring index (0 or M+1, value 0) for what lies outside.
    /// </summary>
    public static LinearTap AlignedPaste(int pixel, float start, float size, int maskSize)
    {
        float normalised = (pixel + 0.5f - start) / size * 2f - 1f;
        float u = ((normalised + 1f) * maskSize - 1f) / 2f;
        if (!(u > -1f && u < maskSize)) return new LinearTap(0, 0, 1f, 0f);
        int i0 = u < 0f ? -1 : (int)u; // floor
        float l1 = u - i0;
        return new LinearTap(i0 + 1, i0 + 2, 1f - l1, l1);
    }

    /// <summary>
    /// The 2-D blend of torch's separable upsample: along x first, then y. (a, b) are the x-taps of row
    /// ty.Index0, (c, d) those of row ty.Index1.
    /// </summary>
    public static float Blend(LinearTap ty, LinearTap tx, float a, float b, float c, float d) =>
        ty.Lambda0 * (tx.Lambda0 * a + tx.Lambda1 * b) + ty.Lambda1 * (tx.Lambda0 * c + tx.Lambda1 * d);
}
