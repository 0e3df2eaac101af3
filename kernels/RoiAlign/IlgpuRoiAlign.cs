using ILGPU;
using ILGPU.Runtime;

namespace MaskStream.Kernels.RoiAlign;

/// <summary>
/// roi_align on an ILGPU accelerator (CUDA, or ILGPU's CPU accelerator in tests). Same arithmetic as
/// <see cref="CpuRoiAlign"/> (both call RoiAlignMath). Device buffers belong to the instance and only grow.
/// This host-memory entry point uploads the feature level on every call; a detector that keeps features
/// on the device would launch the same kernel on its own views. One call at a time per instance.
/// </summary>
public sealed class IlgpuRoiAlign : IRoiAlignKernel, IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<float>, ArrayView<RoiBox>, ArrayView<float>, RoiAlignKernelArgs> _kernel;
    private readonly object _gate = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _input, _output;
    private MemoryBuffer1D<RoiBox, Stride1D.Dense>? _rois;
    private float[] _compact = [];

    /// <param name="accelerator">Owned by the caller, who disposes it after this instance.</param>
    public IlgpuRoiAlign(Accelerator accelerator)
    {
        _accelerator = accelerator;
        _kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<float>, ArrayView<RoiBox>, ArrayView<float>,
            RoiAlignKernelArgs>(RoiAlignIlgpuKernel.Pool);
    }

    public void Run(FeatureLevel level, ReadOnlySpan<RoiBox> rois, RoiAlignParams p, Span<float> output)
    {
        lock (_gate)
        {
            RoiAlignValidation.Check(level, rois, p, output.Length);
            if (rois.Length == 0) return;
            Launch(level, rois, p, output[..(rois.Length * level.Channels * p.BinsPerChannel)]);
        }
    }

    public void Run(FeatureLevel level, ReadOnlySpan<RoiBox> rois, ReadOnlySpan<int> outputRows, RoiAlignParams p,
        Span<float> output)
    {
        lock (_gate)
        {
            RoiAlignValidation.Check(level, rois, outputRows, p, output.Length);
            if (rois.Length == 0) return;
            int perRoi = level.Channels * p.BinsPerChannel;
            if (_compact.Length < rois.Length * perRoi) _compact = new float[rois.Length * perRoi];
            var compact = _compact.AsSpan(0, rois.Length * perRoi);
            Launch(level, rois, p, compact);
            for (int i = 0; i < rois.Length; i++)
                compact.Slice(i * perRoi, perRoi).CopyTo(output.Slice(outputRows[i] * perRoi, perRoi));
        }
    }

    private void Launch(FeatureLevel level, ReadOnlySpan<RoiBox> rois, RoiAlignParams p, Span<float> compactOutput)
    {
        Ensure(ref _input, level.Data.Length);
        Ensure(ref _output, compactOutput.Length);
        Ensure(ref _rois, rois.Length);
        ((ArrayView<float>)_input!.View).SubView(0, level.Data.Length).CopyFromCPU(level.Data.Span);
        ((ArrayView<RoiBox>)_rois!.View).SubView(0, rois.Length).CopyFromCPU(rois);
        var args = new RoiAlignKernelArgs(level.Channels, level.Height, level.Width, p.PooledHeight, p.PooledWidth,
            p.SpatialScale, p.SamplingRatio, p.Aligned ? 1 : 0);
        _kernel(compactOutput.Length, _input.View, _rois.View, _output!.View, args);
        _accelerator.Synchronize();
        ((ArrayView<float>)_output.View).SubView(0, compactOutput.Length).CopyToCPU(compactOutput);
    }

    private void Ensure<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length) where T : unmanaged
    {
        if (buffer is not null && buffer.Length >= length) return;
        buffer?.Dispose();
        buffer = _accelerator.Allocate1D<T>(Math.Max(length, 1));
    }

    public void Dispose()
    {
        _input?.Dispose();
        _output?.Dispose();
        _rois?.Dispose();
    }
}
