namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// Parameters of torchvision.ops.roi_align.
/// </summary>
/// <param name="PooledHeight">Output bins per RoI along y (7 for the box head, 14 for mask and keypoint heads).</param>
/// <param name="PooledWidth">Output bins per RoI along x.</param>
/// <param name="SpatialScale">Feature-map pixels per input-image pixel (1/4 for P2).</param>
/// <param name="SamplingRatio">Samples per bin along each axis; &lt;= 0 means adaptive, ceil(roi size / bins).</param>
/// <param name="Aligned">
/// True shifts boxes by -0.5 feature pixels (pixel-centre model). torchvision's Mask R-CNN pools with
/// false, the legacy mode that also stretches RoIs smaller than one feature pixel to 1×1; "fixing" it breaks parity.
/// </param>
public readonly record struct RoiAlignParams(int PooledHeight, int PooledWidth, float SpatialScale, int SamplingRatio, bool Aligned)
{
    /// <summary>Output floats per RoI and channel (PooledHeight·PooledWidth).</summary>
    public int BinsPerChannel => PooledHeight * PooledWidth;

    internal void Validate()
    {
        if (PooledHeight < 1 || PooledWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(PooledHeight),
                $"RoIAlign output size {PooledHeight}x{PooledWidth}: both must be >= 1.");
        if (!(SpatialScale > 0f) || !float.IsFinite(SpatialScale))
            throw new ArgumentOutOfRangeException(nameof(SpatialScale),
                $"RoIAlign spatial scale {SpatialScale}: must be a finite number > 0.");
    }
}
