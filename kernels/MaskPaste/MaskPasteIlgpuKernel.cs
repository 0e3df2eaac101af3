using ILGPU;
using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>One detection of an ILGPU paste launch: its geometry and where its mask and window live.</summary>
internal readonly record struct PasteJob(PasteGeometry Geometry, int MaskOffset, int WindowOffset);

/// <summary>The ILGPU paste kernel: one thread per (window pixel, detection).</summary>
internal static class MaskPasteIlgpuKernel
{
    /// <param name="index">X: pixel in the detection's window (threads past its area exit); Y: detection.</param>
    /// <param name="masks">[N, M, M] probabilities.</param>
    /// <param name="jobs">N jobs.</param>
    /// <param name="windows">All windows, back to back (job.WindowOffset).</param>
    /// <param name="maskSize">M.</param>
    public static void Paste(Index2D index, ArrayView<float> masks, ArrayView<PasteJob> jobs, ArrayView<float> windows,
        int maskSize)
    {
        PasteJob job = jobs[index.Y];
        PasteGeometry g = job.Geometry;
        int p = index.X;
        if (p >= g.Width * g.Height) return;
        int y = p / g.Width;
        int x = p - y * g.Width;
        LinearTap ty = g.TapY(y, maskSize);
        LinearTap tx = g.TapX(x, maskSize);
        float a = Padded(masks, job.MaskOffset, maskSize, ty.Index0, tx.Index0);
        float b = Padded(masks, job.MaskOffset, maskSize, ty.Index0, tx.Index1);
        float c = Padded(masks, job.MaskOffset, maskSize, ty.Index1, tx.Index0);
        float d = Padded(masks, job.MaskOffset, maskSize, ty.Index1, tx.Index1);
        windows[job.WindowOffset + p] = LinearTap.Blend(ty, tx, a, b, c, d);
    }

    private static float Padded(ArrayView<float> masks, int offset, int maskSize, int py, int px)
    {
        int y = py - 1, x = px - 1;
        return (uint)y < (uint)maskSize && (uint)x < (uint)maskSize ? masks[offset + y * maskSize + x] : 0f;
    }
}
