using System.Buffers;

namespace MaskStream.Core.Frames;

/// <summary>
/// A pooled, packed BGR24 pixel buffer (row stride = width·3) with exactly one owner. The owner
/// returns it to the pool by disposing it; a second dispose is a no-op, and touching the pixels
/// after dispose throws, so a use-after-return shows up as an error rather than as a corrupted
/// frame.
/// </summary>
public sealed class PixelBuffer : IDisposable
{
    private readonly ArrayPool<byte> _pool;
    private byte[]? _array;

    private PixelBuffer(ArrayPool<byte> pool, byte[] array, int width, int height)
    {
        _pool = pool;
        _array = array;
        Width = width;
        Height = height;
    }

    public int Width { get; }
    public int Height { get; }
    public int Stride => Width * 3;
    public int Length => Width * Height * 3;
    public bool IsDisposed => _array is null;

    /// <summary>The pixels, BGR24, row-major.</summary>
    public Span<byte> Pixels => (_array ?? throw new ObjectDisposedException(nameof(PixelBuffer))).AsSpan(0, Length);

    /// <summary>The underlying array (longer than <see cref="Length"/>), for APIs that need one; valid until dispose.</summary>
    public byte[] Array => _array ?? throw new ObjectDisposedException(nameof(PixelBuffer));

    /// <summary>Rents a buffer for a width×height BGR24 image.</summary>
    public static PixelBuffer Rent(int width, int height, ArrayPool<byte>? pool = null)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"Frame size {width}x{height} must be positive.");
        pool ??= ArrayPool<byte>.Shared;
        return new PixelBuffer(pool, pool.Rent(checked(width * height * 3)), width, height);
    }

    public void Dispose()
    {
        var array = Interlocked.Exchange(ref _array, null);
        if (array is not null) _pool.Return(array);
    }
}
