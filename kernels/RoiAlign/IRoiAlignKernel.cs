namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// torchvision.ops.roi_align forward. CPU (<see cref="CpuRoiAlign"/>) and ILGPU
/// (<see cref="IlgpuRoiAlign"/>) implementations give the same floats for the same inputs.
/// </summary>
public interface IRoiAlignKernel
{
    /// <summary>
    /// Pools each RoI from <paramref name="level"/> into <paramref name="output"/> [R, C, PooledHeight, PooledWidth],
    /// RoI i into row i. An empty RoI list writes nothing.
    /// </summary>
    void Run(FeatureLevel level, ReadOnlySpan<RoiBox> rois, RoiAlignParams p, Span<float> output);

    /// <summary>
    /// As <see cref="Run(FeatureLevel, ReadOnlySpan{RoiBox}, RoiAlignParams, Span{float})"/>, but RoI i goes to
    /// row <paramref name="outputRows"/>[i] of <paramref name="output"/> ([rows, C, ph, pw]); rows not named are left
    /// untouched. MultiScaleRoIAlign pools each level's subset straight into the caller's RoI order this way.
    /// </summary>
    void Run(FeatureLevel level, ReadOnlySpan<RoiBox> rois, ReadOnlySpan<int> outputRows, RoiAlignParams p, Span<float> output);
}
