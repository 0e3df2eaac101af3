using System.Numerics;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>
/// Mask paste on the CPU, parallel over detections. Separable like torch's resize: each of the M+2 padded rows
/// is resized along x once for the window's columns, then every window row is a SIMD blend of two of those rows.
/// Scratch belongs to the instance and only grows; a call allocates only the RleMasks it returns (and
/// Parallel.For's bookkeeping). One call at a time per instance.
/// </summary>
public sealed unsafe class CpuMaskPaste : IMaskPasteKernel
{
    private readonly int _workers;
    private readonly object _gate = new();
    private readonly Scratch[] _scratch;
    private readonly Action<int> _worker;
    private readonly MaskPasteMode _mode;

    // The call in progress, read by the cached worker delegate.
    private float* _masks;
    private BoxF* _boxes;
    private RleMask[]? _results;
    private int _count, _next, _maskSize, _imageHeight, _imageWidth;

    /// <param name="maxDegreeOfParallelism">Worker threads; 0 uses every processor.</param>
    /// <param name="mode">torchvision's paste (the default) or the aligned one.</param>
    public CpuMaskPaste(int maxDegreeOfParallelism = 0, MaskPasteMode mode = MaskPasteMode.Torchvision)
    {
        _mode = mode;
        if (maxDegreeOfParallelism < 0)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism),
                $"maxDegreeOfParallelism = {maxDegreeOfParallelism}: must be >= 0 (0 = all processors).");
        _workers = maxDegreeOfParallelism == 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        _scratch = new Scratch[_workers];
        for (int i = 0; i < _workers; i++) _scratch[i] = new Scratch();
        _worker = Worker;
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
            var buffer = _scratch[0].Results(boxes.Length);
            fixed (float* m = masks)
            fixed (BoxF* b = boxes)
            {
                _masks = m;
                _boxes = b;
                _results = buffer;
                _count = boxes.Length;
                _maskSize = maskSize;
                _imageHeight = imageHeight;
                _imageWidth = imageWidth;
                _next = -1;
                int workers = Math.Min(_workers, boxes.Length);
                try
                {
                    if (workers == 1) Worker(0);
                    else Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _worker);
                }
                finally
                {
                    _masks = null;
                    _boxes = null;
                }
            }
            buffer.AsSpan(0, boxes.Length).CopyTo(results);
            Array.Clear(buffer, 0, boxes.Length);
        }
    }

    public void PasteProbabilities(ReadOnlySpan<float> mask, int maskSize, BoxF box, int imageHeight, int imageWidth,
        Span<float> window)
    {
        var g = PasteValidation.CheckWindow(mask.Length, maskSize, box, imageHeight, imageWidth, window.Length, _mode);
        lock (_gate)
        {
            fixed (float* m = mask)
            fixed (float* w = window)
                PasteWindow(m, maskSize, g, w, _scratch[0]);
        }
    }

    private void Worker(int worker)
    {
        var s = _scratch[worker];
        int m2 = _maskSize * _maskSize;
        int i;
        while ((i = Interlocked.Increment(ref _next)) < _count)
        {
            var g = PasteGeometry.Compute(_boxes[i], _maskSize, _imageHeight, _imageWidth, _mode);
            float* window = s.Window(g.Area);
            PasteWindow(_masks + (long)i * m2, _maskSize, g, window, s);
            byte[] bits = s.Bits(g.Area);
            for (int p = 0; p < g.Area; p++) bits[p] = window[p] > PasteMath.Threshold ? (byte)1 : (byte)0;
            _results![i] = RleMask.EncodeRegion(bits.AsSpan(0, g.Area), g.Left, g.Top, g.Width, g.Height,
                _imageHeight, _imageWidth);
        }
    }

    /// <summary>Resized, padded mask values over the window of <paramref name="g"/>, row-major.</summary>
    private static void PasteWindow(float* mask, int maskSize, in PasteGeometry g, float* window, Scratch s)
    {
        if (g.Area == 0) return;
        int padded = maskSize + 2, width = g.Width;
        var maskSpan = new ReadOnlySpan<float>(mask, maskSize * maskSize);
        float* rows = s.Rows(padded * width);
        for (int x = 0; x < width; x++)
        {
            var tx = g.TapX(x, maskSize);
            for (int py = 0; py < padded; py++)
            {
                rows[py * width + x] = tx.Lambda0 * PasteMath.Padded(maskSpan, maskSize, py, tx.Index0)
                                       + tx.Lambda1 * PasteMath.Padded(maskSpan, maskSize, py, tx.Index1);
            }
        }
        int lanes = Vector<float>.Count;
        for (int y = 0; y < g.Height; y++)
        {
            var ty = g.TapY(y, maskSize);
            float* r0 = rows + ty.Index0 * width, r1 = rows + ty.Index1 * width, o = window + (long)y * width;
            var l0 = new Vector<float>(ty.Lambda0);
            var l1 = new Vector<float>(ty.Lambda1);
            int x = 0;
            for (; x <= width - lanes; x += lanes)
                Vector.Store(l0 * Vector.Load(r0 + x) + l1 * Vector.Load(r1 + x), o + x);
            for (; x < width; x++) o[x] = ty.Lambda0 * r0[x] + ty.Lambda1 * r1[x];
        }
    }

    private sealed class Scratch
    {
        private float[] _window = [];
        private float[] _rows = [];
        private byte[] _bits = [];
        private RleMask[] _results = [];

        public float* Window(int n) => Pinned(ref _window, n);

        public float* Rows(int n) => Pinned(ref _rows, n);

        public byte[] Bits(int n)
        {
            if (_bits.Length < n) _bits = new byte[Math.Max(n, _bits.Length * 2)];
            return _bits;
        }

        public RleMask[] Results(int n)
        {
            if (_results.Length < n) _results = new RleMask[Math.Max(n, 2 * _results.Length)];
            return _results;
        }

        private static float* Pinned(ref float[] array, int n)
        {
            if (array.Length < Math.Max(n, 1))
                array = GC.AllocateUninitializedArray<float>(Math.Max(n, Math.Max(1, array.Length * 2)), pinned: true);
            return (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref array[0]);
        }
    }
}
