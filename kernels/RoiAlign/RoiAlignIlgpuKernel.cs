using ILGPU;

namespace MaskStream.Kernels.RoiAlign;

/// <summary>Scalar arguments of the ILGPU RoIAlign kernel (one struct, so the launcher signature stays short).</summary>
internal readonly record struct RoiAlignKernelArgs(int Channels, int Height, int Width, int PooledHeight, int PooledWidth,
    float SpatialScale, int SamplingRatio, int Aligned);

/// <summary>The ILGPU kernel of roi_align: one thread per output float [r, c, ph, pw].</summary>
internal static class RoiAlignIlgpuKernel
{
    /// <param name="index">Flat output index in [0, R·C·ph·pw).</param>
    /// <param name="input">[N, C, H, W] feature map.</param>
    /// <param name="rois">R RoIs.</param>
    /// <param name="output">[R, C, ph, pw], RoI-compact.</param>
    public static void Pool(Index1D index, ArrayView<float> input, ArrayView<RoiBox> rois, ArrayView<float> output,
        RoiAlignKernelArgs a)
    {
        int bins = a.PooledHeight * a.PooledWidth;
        int perRoi = a.Channels * bins;
        int i = index;
        int r = i / perRoi;
        int rem = i - r * perRoi;
        int c = rem / bins;
        int bin = rem - c * bins;
        int ph = bin / a.PooledWidth;
        int pw = bin - ph * a.PooledWidth;

        RoiBox roi = rois[r];
        RoiGeometry g = RoiAlignMath.Geometry(roi.X1, roi.Y1, roi.X2, roi.Y2, a.SpatialScale, a.PooledHeight,
            a.PooledWidth, a.SamplingRatio, a.Aligned != 0);
        long plane = ((long)roi.BatchIndex * a.Channels + c) * a.Height * a.Width;
        float sum = 0f;
        for (int iy = 0; iy < g.GridHeight; iy++)
        {
            AxisTap ty = RoiAlignMath.Axis(RoiAlignMath.SampleY(g, ph, iy), a.Height);
            for (int ix = 0; ix < g.GridWidth; ix++)
            {
                AxisTap tx = RoiAlignMath.Axis(RoiAlignMath.SampleX(g, pw, ix), a.Width);
                if ((ty.Valid & tx.Valid) == 0) continue;
                long top = plane + (long)ty.Low * a.Width, bottom = plane + (long)ty.High * a.Width;
                sum += ty.LowWeight * tx.LowWeight * input[top + tx.Low]
                       + ty.LowWeight * tx.HighWeight * input[top + tx.High]
                       + ty.HighWeight * tx.LowWeight * input[bottom + tx.Low]
                       + ty.HighWeight * tx.HighWeight * input[bottom + tx.High];
            }
        }
        output[i] = sum / g.Count;
    }
}
