using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;

namespace MaskStream.Kernels.Tests.Ilgpu;

/// <summary>One ILGPU context with its CPU accelerator, shared by the ILGPU tests (creating one costs ~100 ms).</summary>
public sealed class IlgpuCpuFixture : IDisposable
{
    public IlgpuCpuFixture()
    {
        Context = Context.Create(b => b.CPU());
        Accelerator = Context.CreateCPUAccelerator(0);
    }

    public Context Context { get; }
    public Accelerator Accelerator { get; }

    public void Dispose()
    {
        Accelerator.Dispose();
        Context.Dispose();
    }
}

[CollectionDefinition(Name)]
public sealed class IlgpuCpuCollection : ICollectionFixture<IlgpuCpuFixture>
{
    public const string Name = "ILGPU CPU accelerator";
}
