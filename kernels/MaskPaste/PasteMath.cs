using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>Arithmetic shared by the CPU and ILGPU paste kernels (no Math calls, ILGPU compiles it for CUDA).</summary>
internal static class PasteMath
{
    /// <summary>The probability threshold of torchvision's reference evaluator (masks &gt; 0.5, strict).</summary>
    public const float Threshold = 0.5f;

    /// <summary>Value of the zero-padded (M+2)² mask at (py, px); the ring is 0.</summary>
    public static float Padded(ReadOnlySpan<float> mask, int maskSize, int py, int px)
    {
        int y = py - 1, x = px - 1;
        return (uint)y < (uint)maskSize && (uint)x < (uint)maskSize ? mask[y * maskSize + x] : 0f;
    }

    /// <summary>Horizontal pass first, then vertical, as torch's separable upsample does.</summary>
    public static float Blend(LinearTap ty, LinearTap tx, float a, float b, float c, float d) =>
        ty.Lambda0 * (tx.Lambda0 * a + tx.Lambda1 * b) + ty.Lambda1 * (tx.Lambda0 * c + tx.Lambda1 * d);
}
