using ILGPU;
using ILGPU.Runtime;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>
/// Mask paste on an ILGPU accelerator: all detections in one launch, windows back to back in one device
/// buffer; thresholding and RLE encoding run on the host (RLE is sequential by nature). Same arithmetic as
/// <see cref="CpuMaskPaste"/>. Buffers belong to the instance and only grow. One call at a time per instance.
/// </summary>
public sealed class IlgpuMaskPaste : IMaskPasteKernel, IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index2D, ArrayView<float>, ArrayView<PasteJob>, ArrayView<float>, int> _kernel;
    private readonly object _gate = new();
    private MemoryBuffer1D<float, Stride1D.Dense>? _masks, _windows;
    private MemoryBuffer1D<PasteJob, Stride1D.Dense>? _jobs;
    private PasteJob[] _hostJobs = [];
    private float[] _hostWindows = [];
    private byte[] _bits = [];
    private readonly MaskPasteMode _mode;

    /// <param name="accelerator">Owned by the caller, who disposes it after this instance.</param>
    /// <param name="mode">torchvision's paste (the default) or the aligned one.</param>
    public IlgpuMaskPaste(Accelerator accelerator, MaskPasteMode mode = MaskPasteMode.Torchvision)
    {
        _mode = mode;
        _accelerator = accelerator;
        _kernel = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<float>, ArrayView<PasteJob>, ArrayView<float>, int>(
            MaskPasteIlgpuKernel.Paste);
    }

    public void Paste(ReadOnlySpan<float> masks, int maskSize, ReadOnlySpan<BoxF> boxes, int imageHeight, int imageWidth,
        Span<RleMask> results)
    {
        PasteValidation.Check(masks.Length, maskSize, boxes.Length, imageHeight, imageWidth);
        if (results.Length != boxes.Length)
            throw new ArgumentException($"{results.Length} result slots for {boxes.Length} boxes.", nameof(results));
        if (boxes.Length == 0) return;
        lock (_gate)
        {
            var windows = Launch(masks, maskSize, boxes, imageHeight, imageWidth);
            for (int i = 0; i < boxes.Length; i++)
            {
                var job = _hostJobs[i];
                var g = job.Geometry;
                var window = windows.Slice(job.WindowOffset, g.Area);
                if (_bits.Length < g.Area) _bits = new byte[Math.Max(g.Area, 2 * _bits.Length)];
                for (int p = 0; p < g.Area; p++) _bits[p] = window[p] > PasteMath.Threshold ? (byte)1 : (byte)0;
                results[i] = RleMask.EncodeRegion(_bits.AsSpan(0, g.Area), g.Left, g.Top, g.Width, g.Height, imageHeight, imageWidth);
            }
        }
    }

    public void PasteProbabilities(ReadOnlySpan<float> mask, int maskSize, BoxF box, int imageHeight, int imageWidth,
        Span<float> window)
    {
        var g = PasteValidation.CheckWindow(mask.Length, maskSize, box, imageHeight, imageWidth, window.Length, _mode);
        lock (_gate)
        {
            Launch(mask, maskSize, [box], imageHeight, imageWidth)[..g.Area].CopyTo(window);
        }
    }

    /// <summary>Runs the kernel; returns the host copy of all windows (job i at _hostJobs[i].WindowOffset).</summary>
    private ReadOnlySpan<float> Launch(ReadOnlySpan<float> masks, int maskSize, ReadOnlySpan<BoxF> boxes, int imageHeight,
        int imageWidth)
    {
        if (_hostJobs.Length < boxes.Length) _hostJobs = new PasteJob[Math.Max(boxes.Length, 2 * _hostJobs.Length)];
        int total = 0, maxArea = 0;
        for (int i = 0; i < boxes.Length; i++)
        {
            var g = PasteGeometry.Compute(boxes[i], maskSize, imageHeight, imageWidth, _mode);
            _hostJobs[i] = new PasteJob(g, i * maskSize * maskSize, total);
            total = checked(total + g.Area);
            maxArea = Math.Max(maxArea, g.Area);
        }
        if (total == 0) return ReadOnlySpan<float>.Empty;
        Ensure(ref _masks, masks.Length);
        Ensure(ref _jobs, boxes.Length);
        Ensure(ref _windows, total);
        ((ArrayView<float>)_masks!.View).SubView(0, masks.Length).CopyFromCPU(masks);
        ((ArrayView<PasteJob>)_jobs!.View).SubView(0, boxes.Length).CopyFromCPU(_hostJobs.AsSpan(0, boxes.Length));
        _kernel(new Index2D(maxArea, boxes.Length), _masks.View, _jobs.View, _windows!.View, maskSize);
        _accelerator.Synchronize();
        if (_hostWindows.Length < total) _hostWindows = new float[Math.Max(total, 2 * _hostWindows.Length)];
        ((ArrayView<float>)_windows.View).SubView(0, total).CopyToCPU(_hostWindows.AsSpan(0, total));
        return _hostWindows.AsSpan(0, total);
    }

    private void Ensure<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length) where T : unmanaged
    {
        if (buffer is not null && buffer.Length >= length) return;
        buffer?.Dispose();
        buffer = _accelerator.Allocate1D<T>(Math.Max(length, 1));
    }

    public void Dispose()
    {
        _masks?.Dispose();
        _windows?.Dispose();
        _jobs?.Dispose();
    }
}
