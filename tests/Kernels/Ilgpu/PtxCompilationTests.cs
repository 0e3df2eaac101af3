using System.Reflection;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

using MaskStream.Kernels.Ilgpu;

namespace MaskStream.Kernels.Tests.Ilgpu;

/// <summary>
/// Every ILGPU kernel compiles for CUDA. The PTX backend is a pure code generator: it needs neither a GPU
/// nor a driver, so CI without a GPU still catches a kernel that uses something CUDA cannot run.
/// </summary>
public sealed class PtxCompilationTests
{
    public static TheoryData<string> KernelNames()
    {
        var data = new TheoryData<string>();
        foreach (var m in IlgpuKernels.All) data.Add($"{m.DeclaringType!.Name}.{m.Name}");
        return data;
    }

    [Theory]
    [MemberData(nameof(KernelNames))]
    public void Kernel_CompilesToPtx(string kernelName)
    {
        MethodInfo method = IlgpuKernels.All.Single(m => $"{m.DeclaringType!.Name}.{m.Name}" == kernelName);
        using var context = Context.Create(b => b.Cuda().Optimize(OptimizationLevel.O1));
        using var backend = new PTXBackend(context, new CudaCapabilityContext(CudaArchitecture.SM_75),
            CudaArchitecture.SM_75, CudaInstructionSet.ISA_72, nvvmAPI: null);
        var entry = EntryPointDescription.FromImplicitlyGroupedKernel(method);
        var compiled = (PTXCompiledKernel)backend.Compile(entry, default(KernelSpecialization));

        Assert.Contains(".entry", compiled.PTXAssembly);
        Assert.Contains(".target sm_75", compiled.PTXAssembly);
    }
}
