using System.Reflection;
using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Kernels.Ilgpu;

/// <summary>Every ILGPU kernel entry point of this assembly, so tests can compile each one to PTX.</summary>
internal static class IlgpuKernels
{
    public static IReadOnlyList<MethodInfo> All { get; } =
    [
        Kernel(typeof(RoiAlignIlgpuKernel), nameof(RoiAlignIlgpuKernel.Pool)),
        Kernel(typeof(MaskPaste.MaskPasteIlgpuKernel), nameof(MaskPaste.MaskPasteIlgpuKernel.Paste)),
        Kernel(typeof(Preprocess.PreprocessIlgpuKernel), nameof(Preprocess.PreprocessIlgpuKernel.Run)),
    ];

    private static MethodInfo Kernel(Type type, string name) =>
        type.GetMethod(name, BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static)
        ?? throw new InvalidOperationException($"Kernel {type.Name}.{name} not found.");
}
