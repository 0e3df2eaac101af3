namespace MaskStream.Kernels.RoiAlign;

/// <summary>Where one RoI's bins and samples lie on the feature map (torchvision roi_align_kernel.cpp).</summary>
internal readonly struct RoiGeometry
{
    public readonly float StartX, StartY, BinWidth, BinHeight;
    public readonly int GridWidth, GridHeight;
    /// <summary>Divisor of every bin: max(gridH·gridW, 1), also when samples fall outside the map.</summary>
    public readonly float Count;

    public RoiGeometry(float startX, float startY, float binWidth, float binHeight, int gridWidth, int gridHeight)
    {
        StartX = startX;
        StartY = startY;
        BinWidth = binWidth;
        BinHeight = binHeight;
        GridWidth = gridWidth;
        GridHeight = gridHeight;
        int n = gridHeight * gridWidth;
        Count = n > 1 ? n : 1;
    }
}

/// <summary>One axis of a bilinear sample: the two neighbours and their weights, or nothing when outside.</summary>
internal readonly struct AxisTap
{
    public readonly int Low, High;
    /// <summary>Weight of <see cref="Low"/> (torchvision's hy/hx).</summary>
    public readonly float LowWeight;
    /// <summary>Weight of <see cref="High"/> (torchvision's ly/lx).</summary>
    public readonly float HighWeight;
    /// <summary>1 when the sample is inside [-1, size]; outside samples add 0 but still count.</summary>
    public readonly int Valid;

    public AxisTap(int low, int high, float lowWeight, float highWeight)
    {
        Low = low;
        High = high;
        LowWeight = lowWeight;
        HighWeight = highWeight;
        Valid = 1;
    }
}

/// <summary>
/// The arithmetic of torchvision's roi_align forward, in plain f32 steps in the kernel's order (no FMA, no
/// reassociation): PARITY §9 found that sequence bit-exact. Shared by the CPU and ILGPU kernels, so it uses
/// no Math calls (ILGPU compiles it for CUDA as well).
/// </summary>
internal static class RoiAlignMath
{
    public static RoiGeometry Geometry(float x1, float y1, float x2, float y2, float spatialScale, int pooledHeight,
        int pooledWidth, int samplingRatio, bool aligned)
    {
        float offset = aligned ? 0.5f : 0f;
        float startX = x1 * spatialScale - offset;
        float startY = y1 * spatialScale - offset;
        float endX = x2 * spatialScale - offset;
        float endY = y2 * spatialScale - offset;
        float roiWidth = endX - startX;
        float roiHeight = endY - startY;
        if (!aligned)
        {
            // Legacy mode: empty or reversed boxes become 1x1 RoIs.
            roiWidth = roiWidth < 1f ? 1f : roiWidth; // std::max(roi_width, 1)
            roiHeight = roiHeight < 1f ? 1f : roiHeight;
        }
        float binHeight = roiHeight / pooledHeight;
        float binWidth = roiWidth / pooledWidth;
        int gridHeight = samplingRatio > 0 ? samplingRatio : Ceiling(roiHeight / pooledHeight);
        int gridWidth = samplingRatio > 0 ? samplingRatio : Ceiling(roiWidth / pooledWidth);
        return new RoiGeometry(startX, startY, binWidth, binHeight, gridWidth, gridHeight);
    }

    /// <summary>y of sample iy in bin ph, evaluated left to right as torchvision writes it.</summary>
    public static float SampleY(in RoiGeometry g, int ph, int iy) =>
        g.StartY + ph * g.BinHeight + (iy + .5f) * g.BinHeight / g.GridHeight;

    public static float SampleX(in RoiGeometry g, int pw, int ix) =>
        g.StartX + pw * g.BinWidth + (ix + .5f) * g.BinWidth / g.GridWidth;

    /// <summary>torchvision's bilinear_interpolate boundary rules along one axis of length <paramref name="size"/>.</summary>
    public static AxisTap Axis(float v, int size)
    {
        if (v < -1f || v > size) return default;
        if (v <= 0f) v = 0f;
        int low = (int)v;
        int high;
        if (low >= size - 1)
        {
            high = low = size - 1;
            v = low;
        }
        else
        {
            high = low + 1;
        }
        float l = v - low;
        return new AxisTap(low, high, 1f - l, l);
    }

    /// <summary>ceil for the adaptive grid (C's ceil then int conversion), without Math so ILGPU can use it.</summary>
    public static int Ceiling(float v)
    {
        int t = (int)v;
        return t < v ? t + 1 : t;
    }
}
