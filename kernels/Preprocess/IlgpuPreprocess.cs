using ILGPU;
using ILGPU.Runtime;
using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.Preprocess;

/// <summary>
/// Frame preprocessing on an ILGPU accelerator: the frame and the per-axis taps are uploaded, one thread
/// writes each output float (padding included). Same arithmetic as <see cref="CpuPreprocess"/>. Buffers belong
/// to the instance and only grow. One call at a time per instance.
/// </summary>
public sealed class IlgpuPreprocess : IPreprocessKernel, IDisposable
{
    private readonly Accelerator _accelerator;
    private readonly Action<Index1D, ArrayView<byte>, ArrayView<float>, ArrayView<LinearTap>, ArrayView<LinearTap>,
        ArrayView<float>, PreprocessKernelArgs> _kernel;
    private readonly object _gate = new();
    private readonly MemoryBuffer1D<float, Stride1D.Dense> _table;
    private MemoryBuffer1D<byte, Stride1D.Dense>? _bgr;
    private MemoryBuffer1D<float, Stride1D.Dense>? _output;
    private MemoryBuffer1D<LinearTap, Stride1D.Dense>? _xTaps, _yTaps;
    private LinearTap[] _hostTaps = [];

    /// <param name="accelerator">Owned by the caller, who disposes it after this instance.</param>
    /// <param name="normalization">Mean and std per RGB channel.</param>
    public IlgpuPreprocess(Accelerator accelerator, Normalization normalization)
    {
        _accelerator = accelerator;
        float[] table = normalization.BuildTable();
        _table = accelerator.Allocate1D(table);
        _kernel = accelerator.LoadAutoGroupedStreamKernel<Index1D, ArrayView<byte>, ArrayView<float>, ArrayView<LinearTap>,
            ArrayView<LinearTap>, ArrayView<float>, PreprocessKernelArgs>(PreprocessIlgpuKernel.Run);
    }

    public void Run(ReadOnlySpan<byte> bgr, int height, int width, int resizedHeight, int resizedWidth, int paddedHeight,
        int paddedWidth, Span<float> output)
    {
        PreprocessValidation.Check(bgr.Length, height, width, resizedHeight, resizedWidth, paddedHeight, paddedWidth, output.Length);
        lock (_gate)
        {
            Ensure(ref _bgr, bgr.Length);
            Ensure(ref _output, output.Length);
            ((ArrayView<byte>)_bgr!.View).SubView(0, bgr.Length).CopyFromCPU(bgr);
            UploadTaps(ref _xTaps, width, resizedWidth);
            UploadTaps(ref _yTaps, height, resizedHeight);
            _kernel(output.Length, _bgr.View, _table.View, _xTaps!.View, _yTaps!.View, _output!.View,
                new PreprocessKernelArgs(width, resizedHeight, resizedWidth, paddedHeight, paddedWidth));
            _accelerator.Synchronize();
            ((ArrayView<float>)_output.View).SubView(0, output.Length).CopyToCPU(output);
        }
    }

    private void UploadTaps(ref MemoryBuffer1D<LinearTap, Stride1D.Dense>? buffer, int inSize, int outSize)
    {
        if (_hostTaps.Length < outSize) _hostTaps = new LinearTap[outSize];
        for (int i = 0; i < outSize; i++) _hostTaps[i] = LinearTap.Compute(i, inSize, outSize);
        Ensure(ref buffer, outSize);
        ((ArrayView<LinearTap>)buffer!.View).SubView(0, outSize).CopyFromCPU(_hostTaps.AsSpan(0, outSize));
    }

    private void Ensure<T>(ref MemoryBuffer1D<T, Stride1D.Dense>? buffer, long length) where T : unmanaged
    {
        if (buffer is not null && buffer.Length >= length) return;
        buffer?.Dispose();
        buffer = _accelerator.Allocate1D<T>(Math.Max(length, 1));
    }

    public void Dispose()
    {
        _table.Dispose();
        _bgr?.Dispose();
        _output?.Dispose();
        _xTaps?.Dispose();
        _yTaps?.Dispose();
    }
}
