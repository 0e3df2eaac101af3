using ILGPU;
using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.Preprocess;

/// <summary>Sizes of one ILGPU preprocess launch.</summary>
internal readonly record struct PreprocessKernelArgs(int Width, int ResizedHeight, int ResizedWidth, int PaddedHeight, int PaddedWidth);

/// <summary>The ILGPU preprocess kernel: one thread per output float [c, y, x] of the padded CHW image.</summary>
internal static class PreprocessIlgpuKernel
{
    /// <param name="index">Flat index in [0, 3·paddedHeight·paddedWidth).</param>
    /// <param name="bgr">Packed BGR24 frame.</param>
    /// <param name="table">3×256 normalisation table (RGB channel-major).</param>
    /// <param name="xTaps">resizedWidth taps along x.</param>
    /// <param name="yTaps">resizedHeight taps along y.</param>
    /// <param name="output">[3, paddedHeight, paddedWidth].</param>
    public static void Run(Index1D index, ArrayView<byte> bgr, ArrayView<float> table, ArrayView<LinearTap> xTaps,
        ArrayView<LinearTap> yTaps, ArrayView<float> output, PreprocessKernelArgs a)
    {
        int i = index;
        int plane = a.PaddedHeight * a.PaddedWidth;
        int c = i / plane;
        int rem = i - c * plane;
        int y = rem / a.PaddedWidth;
        int x = rem - y * a.PaddedWidth;
        if (y >= a.ResizedHeight || x >= a.ResizedWidth)
        {
            output[i] = 0f;
            return;
        }
        LinearTap ty = yTaps[y];
        LinearTap tx = xTaps[x];
        int t = c * 256;
        int b = 2 - c; // RGB channel c is byte 2 - c of a BGR pixel
        int row0 = ty.Index0 * a.Width * 3, row1 = ty.Index1 * a.Width * 3;
        float v00 = table[t + bgr[row0 + tx.Index0 * 3 + b]];
        float v01 = table[t + bgr[row0 + tx.Index1 * 3 + b]];
        float v10 = table[t + bgr[row1 + tx.Index0 * 3 + b]];
        float v11 = table[t + bgr[row1 + tx.Index1 * 3 + b]];
        output[i] = LinearTap.Blend(ty, tx, v00, v01, v10, v11);
    }
}
