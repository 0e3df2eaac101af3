using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;
using MaskStream.Kernels.MaskPaste;
using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Detector.Runtime;

/// <summary>Which implementation runs the detector's RoIAlign and mask paste.</summary>
internal enum KernelBackend
{
    /// <summary>The SIMD + parallel CPU kernels (Detector:Device = cpu).</summary>
    Cpu,

    /// <summary>The ILGPU kernels on ILGPU's CPU accelerator: the CUDA path's code, testable without a GPU.</summary>
    IlgpuCpu,

    /// <summary>The ILGPU kernels on the first CUDA device (Detector:Device = cuda).</summary>
    IlgpuCuda,
}

/// <summary>
/// The RoIAlign and mask-paste kernels of one detector, and the ILGPU context and accelerator behind them when
/// they are the ILGPU ones. Disposed with the detector.
/// </summary>
internal sealed class DetectorKernels : IDisposable
{
    private readonly Context? _context;
    private readonly Accelerator? _accelerator;

    private DetectorKernels(IRoiAlignKernel roiAlign, IMaskPasteKernel maskPaste, Context? context, Accelerator? accelerator)
    {
        RoiAlign = roiAlign;
        MaskPaste = maskPaste;
        _context = context;
        _accelerator = accelerator;
    }

    public IRoiAlignKernel RoiAlign { get; }
    public IMaskPasteKernel MaskPaste { get; }

    public static KernelBackend DefaultFor(DetectorDevice device) =>
        device == DetectorDevice.Cuda ? KernelBackend.IlgpuCuda : KernelBackend.Cpu;

    /// <param name="threads">Workers of the CPU kernels (0 = every processor).</param>
    /// <param name="paste">How masks are pasted into the frame.</param>
    public static DetectorKernels Create(KernelBackend backend, int threads, MaskPasteMode paste = MaskPasteMode.Torchvision)
    {
        if (backend == KernelBackend.Cpu)
            return new DetectorKernels(new CpuRoiAlign(threads), new CpuMaskPaste(threads, paste), null, null);
        Context? context = null;
        Accelerator? accelerator = null;
        try
        {
            if (backend == KernelBackend.IlgpuCpu)
            {
                context = Context.Create(b => b.CPU());
                accelerator = context.CreateCPUAccelerator(0);
            }
            else
            {
                context = Context.Create(b => b.Cuda());
                // ILGPU registers no CUDA device when the driver library (libcuda) is absent or finds no GPU.
                if (context.GetCudaDevices().Count == 0)
                    throw new DetectorException(
                        "Detector:Device = cuda, but ILGPU finds no CUDA device for the RoIAlign and mask-paste kernels " +
                        "(no NVIDIA GPU, or the NVIDIA driver's libcuda is not installed). Set Detector:Device = cpu.");
                accelerator = context.CreateCudaAccelerator(0);
            }
            return new DetectorKernels(new IlgpuRoiAlign(accelerator), new IlgpuMaskPaste(accelerator, paste), context, accelerator);
        }
        catch
        {
            accelerator?.Dispose();
            context?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        (RoiAlign as IDisposable)?.Dispose();
        (MaskPaste as IDisposable)?.Dispose();
        _accelerator?.Dispose();
        _context?.Dispose();
    }
}
