namespace MaskStream.Kernels.MaskPaste;

/// <summary>Arithmetic shared by the CPU and ILGPU paste kernels (no Math calls, ILGPU compiles it for CUDA).</summary>
internal static class PasteMath
{
    /// <summary>The probability threshold of torchvision's reference evaluator (masks &gt; 0.5, strict).</summary>
    public const float Threshold = IMaskPasteKernel.Threshold;

    /// <summary>Value of the zero-padded (M+2)² mask at (py, px); the ring is 0.</summary>
    public static float Padded(ReadOnlySpan<float> mask, int maskSize, int py, int px)
    {
        int y = py - 1, x = px - 1;
        return (uint)y < (uint)maskSize && (uint)x < (uint)maskSize ? mask[y * maskSize + x] : 0f;
    }
}
