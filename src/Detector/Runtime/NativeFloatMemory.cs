using System.Buffers;

namespace MaskStream.Detector.Runtime;

/// <summary>
/// A <see cref="Memory{T}"/> over an ONNX Runtime output's native buffer, so the kernels read graph outputs in place
/// instead of copying them. Valid only while the OrtValue lives; instances are reused from call to call.
/// </summary>
internal sealed unsafe class NativeFloatMemory : MemoryManager<float>
{
    private float* _pointer;
    private int _length;

    public Memory<float> Wrap(ReadOnlySpan<float> native)
    {
        fixed (float* p = native) _pointer = p; // native memory: the pointer does not move
        _length = native.Length;
        return Memory;
    }

    public override Span<float> GetSpan() => new(_pointer, _length);

    public override MemoryHandle Pin(int elementIndex = 0) => new(_pointer + elementIndex);

    public override void Unpin()
    {
    }

    protected override void Dispose(bool disposing)
    {
        _pointer = null;
        _length = 0;
    }
}
