using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.Preprocess;

/// <summary>
/// Frame preprocessing on the CPU, parallel over output rows. Normalisation is a 3×256 table (exactly the
/// per-pixel f32 result, computed before the resize as torchvision orders it). The resize is separable like
/// torch's: each source row is resized along x once into a cached row, and every output row is a SIMD blend of
/// two cached rows. Scratch belongs to the instance and only grows. One call at a time per instance.
/// </summary>
public sealed unsafe class CpuPreprocess : IPreprocessKernel
{
    private readonly int _workers;
    private readonly float[] _table;
    private readonly Normalization _normalization;
    private readonly object _gate = new();
    private readonly Action<int> _worker;
    private readonly RowCache[] _caches;
    private LinearTap[] _yTaps = [];
    // The x taps as four arrays (struct of arrays), so 8 outputs load their indices and weights as vectors.
    private int[] _xIndex0 = [], _xIndex1 = [];
    private float[] _xLambda0 = [], _xLambda1 = [];

    // The call in progress, read by the cached worker delegate.
    private byte* _bgr;
    private float* _out;
    private int _width, _height, _resizedHeight, _resizedWidth, _paddedHeight, _paddedWidth;

    /// <param name="normalization">Mean and std per RGB channel.</param>
    /// <param name="maxDegreeOfParallelism">Worker threads; 0 uses every processor.</param>
    public CpuPreprocess(Normalization normalization, int maxDegreeOfParallelism = 0)
    {
        if (maxDegreeOfParallelism < 0)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism),
                $"maxDegreeOfParallelism = {maxDegreeOfParallelism}: must be >= 0 (0 = all processors).");
        _table = normalization.BuildTable();
        _normalization = normalization;
        _workers = maxDegreeOfParallelism == 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        _caches = new RowCache[_workers];
        for (int i = 0; i < _workers; i++) _caches[i] = new RowCache();
        _worker = Worker;
    }

    public void Run(ReadOnlySpan<byte> bgr, int height, int width, int resizedHeight, int resizedWidth, int paddedHeight,
        int paddedWidth, Span<float> output)
    {
        PreprocessValidation.Check(bgr.Length, height, width, resizedHeight, resizedWidth, paddedHeight, paddedWidth, output.Length);
        lock (_gate)
        {
            XTaps(width, resizedWidth);
            _yTaps = Taps(_yTaps, height, resizedHeight);
            fixed (byte* b = bgr)
            fixed (float* o = output)
            {
                _bgr = b;
                _out = o;
                _width = width;
                _height = height;
                _resizedHeight = resizedHeight;
                _resizedWidth = resizedWidth;
                _paddedHeight = paddedHeight;
                _paddedWidth = paddedWidth;
                try
                {
                    int workers = Math.Min(_workers, Math.Max(1, resizedHeight / 16));
                    if (workers == 1) Worker(0);
                    else Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _worker);
                }
                finally
                {
                    _bgr = null;
                    _out = null;
                }
            }
            long plane = (long)paddedHeight * paddedWidth;
            for (int c = 0; c < 3; c++)
            {
                // Padding rows below the image.
                long start = c * plane + (long)resizedHeight * paddedWidth;
                output.Slice((int)start, (int)(plane - (long)resizedHeight * paddedWidth)).Clear();
            }
        }
    }

    private void XTaps(int inSize, int outSize)
    {
        if (_xIndex0.Length != outSize)
        {
            _xIndex0 = GC.AllocateUninitializedArray<int>(outSize, pinned: true);
            _xIndex1 = GC.AllocateUninitializedArray<int>(outSize, pinned: true);
            _xLambda0 = GC.AllocateUninitializedArray<float>(outSize, pinned: true);
            _xLambda1 = GC.AllocateUninitializedArray<float>(outSize, pinned: true);
        }
        for (int i = 0; i < outSize; i++)
        {
            var t = LinearTap.Compute(i, inSize, outSize);
            _xIndex0[i] = t.Index0;
            _xIndex1[i] = t.Index1;
            _xLambda0[i] = t.Lambda0;
            _xLambda1[i] = t.Lambda1;
        }
    }

    /// <summary>Tests turn this off to compare the SIMD row resize with the scalar one, bit for bit.</summary>
    internal bool Simd { get; init; } = true;

    private static LinearTap[] Taps(LinearTap[] taps, int inSize, int outSize)
    {
        if (taps.Length != outSize) taps = new LinearTap[outSize];
        for (int i = 0; i < outSize; i++) taps[i] = LinearTap.Compute(i, inSize, outSize);
        return taps;
    }

    /// <summary>
    /// A contiguous band of output rows per worker, so consecutive rows reuse the x-resized source rows.
    /// </summary>
    private void Worker(int worker)
    {
        int workers = Math.Min(_workers, Math.Max(1, _resizedHeight / 16));
        int y0 = (int)((long)_resizedHeight * worker / workers), y1 = (int)((long)_resizedHeight * (worker + 1) / workers);
        int rw = _resizedWidth, pw = _paddedWidth, lanes = Vector<float>.Count;
        long plane = (long)_paddedHeight * pw;
        if (rw == _width && _resizedHeight == _height)
        {
            NormaliseRows(y0, y1, plane);
            return;
        }
        var cache = _caches[worker];
        cache.Reset(3 * _resizedWidth, 3 * _width);
        for (int y = y0; y < y1; y++)
        {
            var ty = _yTaps[y];
            cache.Rows(ty.Index0, ty.Index1, this, out float* r0, out float* r1);
            var l0 = new Vector<float>(ty.Lambda0);
            var l1 = new Vector<float>(ty.Lambda1);
            for (int c = 0; c < 3; c++)
            {
                float* a = r0 + c * rw, b = r1 + c * rw, o = _out + c * plane + (long)y * pw;
                int x = 0;
                for (; x <= rw - lanes; x += lanes)
                    Vector.Store(l0 * Vector.Load(a + x) + l1 * Vector.Load(b + x), o + x);
                for (; x < rw; x++) o[x] = ty.Lambda0 * a[x] + ty.Lambda1 * b[x];
                new Span<float>(o + rw, pw - rw).Clear();
            }
        }
    }

    /// <summary>
    /// Rows y0..y1 when the frame keeps its size (a 640×480 frame under the tiny model's 480/640 rule): every tap is
    /// (i, i+1) with weights (1, 0), so torch's blend 1·a + 0·b is exactly a, and the output is the table value of
    /// each byte. Only the BGR → planar RGB scatter is left: 16 pixels at a time with byte shuffles where the CPU has
    /// them (<see cref="PlanarSixteen"/>), the table for the rest.
    /// </summary>
    private void NormaliseRows(int y0, int y1, long plane)
    {
        int w = _width, pw = _paddedWidth;
        fixed (float* lut = _table)
        {
            for (int y = y0; y < y1; y++)
            {
                float* r = _out + (long)y * pw, g = r + plane, b = g + plane;
                NormaliseRow(_bgr + (long)y * w * 3, w, r, g, b, lut);
                new Span<float>(r + w, pw - w).Clear();
                new Span<float>(g + w, pw - w).Clear();
                new Span<float>(b + w, pw - w).Clear();
            }
        }
    }

    /// <summary>One BGR row of <paramref name="w"/> pixels → its table values in three planar rows.</summary>
    private void NormaliseRow(byte* row, int w, float* r, float* g, float* b, float* lut)
    {
        float* tr = lut, tg = lut + 256, tb = lut + 512;
        int x = 0;
        if (Ssse3.IsSupported)
            for (; x <= w - 16; x += 16) PlanarSixteen(row + 3 * x, r + x, g + x, b + x);
        for (; x < w; x++)
        {
            byte* px = row + 3 * x;
            b[x] = tb[px[0]];
            g[x] = tg[px[1]];
            r[x] = tr[px[2]];
        }
    }

    // Byte c + 3i of 48 BGR bytes (three 16-byte loads) for channel c, pixel i: which load and where (0x80 = none).
    private static readonly Vector128<byte>[] ChannelShuffles = BuildChannelShuffles();

    private static Vector128<byte>[] BuildChannelShuffles()
    {
        var masks = new Vector128<byte>[9];
        Span<byte> m = stackalloc byte[16];
        for (int c = 0; c < 3; c++)
            for (int part = 0; part < 3; part++)
            {
                for (int i = 0; i < 16; i++)
                {
                    int at = 3 * i + c - 16 * part;
                    m[i] = at is >= 0 and < 16 ? (byte)at : (byte)0x80;
                }
                masks[3 * c + part] = Vector128.Create((ReadOnlySpan<byte>)m);
            }
        return masks;
    }

    /// <summary>
    /// 16 BGR pixels → 16 floats per RGB plane, each (v / 255 − mean) / std in f32: the same IEEE operations the table
    /// was built with (<see cref="Normalization.BuildTable"/>), so the same bits.
    /// </summary>
    private void PlanarSixteen(byte* px, float* r, float* g, float* b)
    {
        var v0 = Vector128.Load(px);
        var v1 = Vector128.Load(px + 16);
        var v2 = Vector128.Load(px + 32);
        var shuffles = ChannelShuffles;
        var n = _normalization;
        Channel(Ssse3.Shuffle(v0, shuffles[0]) | Ssse3.Shuffle(v1, shuffles[1]) | Ssse3.Shuffle(v2, shuffles[2]), n.MeanB, n.StdB, b);
        Channel(Ssse3.Shuffle(v0, shuffles[3]) | Ssse3.Shuffle(v1, shuffles[4]) | Ssse3.Shuffle(v2, shuffles[5]), n.MeanG, n.StdG, g);
        Channel(Ssse3.Shuffle(v0, shuffles[6]) | Ssse3.Shuffle(v1, shuffles[7]) | Ssse3.Shuffle(v2, shuffles[8]), n.MeanR, n.StdR, r);

        static void Channel(Vector128<byte> bytes, float mean, float std, float* dst)
        {
            var m = Vector128.Create(mean);
            var s = Vector128.Create(std);
            var scale = Vector128.Create(255f);
            var (lo, hi) = Vector128.Widen(bytes);
            var (a, bb) = Vector128.Widen(lo);
            var (c, d) = Vector128.Widen(hi);
            Vector128.Store((Vector128.ConvertToSingle(a.AsInt32()) / scale - m) / s, dst);
            Vector128.Store((Vector128.ConvertToSingle(bb.AsInt32()) / scale - m) / s, dst + 4);
            Vector128.Store((Vector128.ConvertToSingle(c.AsInt32()) / scale - m) / s, dst + 8);
            Vector128.Store((Vector128.ConvertToSingle(d.AsInt32()) / scale - m) / s, dst + 12);
        }
    }

    /// <summary>
    /// Source row <paramref name="sy"/> normalised and resized along x: [3, resizedWidth] at <paramref name="dst"/>.
    /// The row is first normalised into planar floats (<paramref name="planar"/>, [3, width]), 16 pixels at a time;
    /// then 8 outputs at a time gather their two source values (AVX2) and blend them as λ0·a + λ1·b, the scalar
    /// path's two f32 products and sum (no fused multiply-add), so the values are bit-identical to it.
    /// </summary>
    private void ResizeRow(int sy, float* dst, float* planar)
    {
        byte* row = _bgr + (long)sy * _width * 3;
        int rw = _resizedWidth, w = _width;
        fixed (float* lut = _table)
        fixed (int* i0 = _xIndex0, i1 = _xIndex1)
        fixed (float* l0 = _xLambda0, l1 = _xLambda1)
        {
            if (!Simd || !Avx2.IsSupported)
            {
                for (int c = 0; c < 3; c++)
                {
                    float* t = lut + c * 256;
                    int byteOffset = 2 - c; // RGB channel c is byte 2 - c of a BGR pixel
                    float* d = dst + c * rw;
                    for (int x = 0; x < rw; x++)
                        d[x] = l0[x] * t[row[i0[x] * 3 + byteOffset]] + l1[x] * t[row[i1[x] * 3 + byteOffset]];
                }
                return;
            }
            NormaliseRow(row, w, planar, planar + w, planar + 2 * w, lut);
            for (int c = 0; c < 3; c++)
            {
                float* src = planar + c * w, d = dst + c * rw;
                int x = 0;
                for (; x <= rw - 8; x += 8)
                {
                    var a = Avx2.GatherVector256(src, Avx.LoadVector256(i0 + x), 4);
                    var b = Avx2.GatherVector256(src, Avx.LoadVector256(i1 + x), 4);
                    Avx.Store(d + x, Avx.LoadVector256(l0 + x) * a + Avx.LoadVector256(l1 + x) * b);
                }
                for (; x < rw; x++) d[x] = l0[x] * src[i0[x]] + l1[x] * src[i1[x]];
            }
        }
    }

    /// <summary>Two x-resized source rows of one worker, reused while consecutive output rows share them.</summary>
    private sealed class RowCache
    {
        private float[] _rows = [];
        private float[] _planar = [];
        private int _rowLength;
        private readonly int[] _tags = [-1, -1];

        /// <param name="rowLength">Floats of one x-resized row (3 × resized width).</param>
        /// <param name="sourceLength">Floats of one normalised source row (3 × width).</param>
        public void Reset(int rowLength, int sourceLength)
        {
            if (_rows.Length < 2 * rowLength) _rows = GC.AllocateUninitializedArray<float>(2 * rowLength, pinned: true);
            if (_planar.Length < sourceLength) _planar = GC.AllocateUninitializedArray<float>(sourceLength, pinned: true);
            _rowLength = rowLength;
            _tags[0] = _tags[1] = -1;
        }

        /// <summary>Pointers to source rows i0 and i1, resizing whichever is missing.</summary>
        public void Rows(int i0, int i1, CpuPreprocess owner, out float* r0, out float* r1)
        {
            int s0 = Slot(i0, Array.IndexOf(_tags, i1), owner);
            int s1 = Slot(i1, s0, owner);
            float* baseP = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _rows[0]);
            r0 = baseP + s0 * _rowLength;
            r1 = baseP + s1 * _rowLength;
        }

        /// <summary>The slot holding row <paramref name="sy"/>, filling the slot other than <paramref name="keep"/> on a miss.</summary>
        private int Slot(int sy, int keep, CpuPreprocess owner)
        {
            if (_tags[0] == sy) return 0;
            if (_tags[1] == sy) return 1;
            int victim = keep == 0 ? 1 : 0;
            owner.ResizeRow(sy, (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _rows[victim * _rowLength]),
                (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _planar[0]));
            _tags[victim] = sy;
            return victim;
        }
    }
}
