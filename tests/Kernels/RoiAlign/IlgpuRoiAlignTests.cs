using MaskStream.Kernels.RoiAlign;
using MaskStream.Kernels.Tests.Ilgpu;

namespace MaskStream.Kernels.Tests.RoiAlign;

/// <summary>The shared suite on ILGPU's CPU accelerator (the same kernel code that compiles to PTX).</summary>
[Collection(IlgpuCpuCollection.Name)]
public sealed class IlgpuRoiAlignTests(IlgpuCpuFixture fixture) : RoiAlignKernelTests
{
    protected override IRoiAlignKernel Kernel { get; } = new IlgpuRoiAlign(fixture.Accelerator);
}
