using System.Numerics;
using System.Runtime.Intrinsics.X86;
using MaskStream.Kernels.Simd;

namespace MaskStream.Kernels.RoiAlign;

/// <summary>How <see cref="CpuRoiAlign"/> reads the feature map.</summary>
public enum RoiAlignLayout
{
    /// <summary>Channels-last when the RoIs sample the image densely enough to pay for the transpose, else channels-first.</summary>
    Auto,
    /// <summary>Read NCHW in place: four scalar loads per sample and channel. Cheapest for a few RoIs.</summary>
    ChannelsFirst,
    /// <summary>Transpose the image to HWC scratch once, then every tap is a contiguous SIMD load over channels.</summary>
    ChannelsLast,
}

/// <summary>
/// torchvision.ops.roi_align forward on the CPU, parallel over RoIs, SIMD over channels. Each channel's sum runs
/// over the samples in torchvision's order with the same f32 operations, so results are bit-identical to the
/// reference on finite inputs. Scratch buffers belong to the instance and only grow: after warm-up a call
/// allocates nothing of its own (Parallel.For's bookkeeping aside). One call at a time per instance.
/// </summary>
public sealed unsafe class CpuRoiAlign : IRoiAlignKernel
{
    private readonly int _workers;
    private readonly RoiAlignLayout _layout;
    private readonly object _gate = new();
    private readonly Action<int> _poolWorker;
    private readonly Action<int> _transposeRow;
    private WorkerScratch[] _scratch;
    private float[] _channelsLast = [];
    private int[] _imageRois = [];
    private int[] _roiOrder = [];
    private int[] _identityRows = [];

    // The call in progress, read by the cached worker delegates (no closure allocated per call).
    private float* _src;
    private float* _hwc;
    private RoiBox* _rois;
    private int* _rows;
    private float* _out;
    private int _imageRoiCount;
    private int _nextRoi;
    private int _channels, _height, _width;
    private bool _useChannelsLast;
    private RoiAlignParams _p;

    /// <param name="maxDegreeOfParallelism">Worker threads; 0 uses every processor.</param>
    /// <param name="layout">Feature-map read strategy; Auto picks per image from the sampling density.</param>
    public CpuRoiAlign(int maxDegreeOfParallelism = 0, RoiAlignLayout layout = RoiAlignLayout.Auto)
    {
        if (maxDegreeOfParallelism < 0)
            throw new ArgumentOutOfRangeException(nameof(maxDegreeOfParallelism),
                $"maxDegreeOfParallelism = {maxDegreeOfParallelism}: must be >= 0 (0 = all processors).");
        _workers = maxDegreeOfParallelism == 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
        _layout = layout;
        _scratch = new WorkerScratch[_workers];
        for (int i = 0; i < _workers; i++) _scratch[i] = new WorkerScratch();
        _poolWorker = PoolWorker;
        _transposeRow = TransposeRow;
    }

    public void Run(FeatureLevel level, ReadOnlySpan<RoiBox> rois, RoiAlignParams p, Span<float> output)
    {
        lock (_gate)
        {
            RoiAlignValidation.Check(level, rois, p, output.Length);
            if (_identityRows.Length < rois.Length)
            {
                _identityRows = new int[rois.Length];
                for (int i = 0; i < _identityRows.Length; i++) _identityRows[i] = i;
            }
            RunLocked(level, rois, _identityRows.AsSpan(0, rois.Length), p, output);
        }
    }

    public void Run(FeatureLevel level, ReadOnlySpan<RoiBox> rois, ReadOnlySpan<int> outputRows, RoiAlignParams p,
        Span<float> output)
    {
        lock (_gate) RunLocked(level, rois, outputRows, p, output);
    }

    private void RunLocked(FeatureLevel level, ReadOnlySpan<RoiBox> rois, ReadOnlySpan<int> outputRows,
        RoiAlignParams p, Span<float> output)
    {
        RoiAlignValidation.Check(level, rois, outputRows, p, output.Length);
        if (rois.Length == 0) return;
        if (_imageRois.Length < rois.Length)
        {
            _imageRois = new int[rois.Length];
            _roiOrder = new int[rois.Length];
        }

        using var pin = level.Data.Pin();
        fixed (RoiBox* roiPtr = rois)
        fixed (int* rowPtr = outputRows)
        fixed (float* outPtr = output)
        {
            _rois = roiPtr;
            _rows = rowPtr;
            _out = outPtr;
            _p = p;
            _channels = level.Channels;
            _height = level.Height;
            _width = level.Width;
            try
            {
                for (int b = 0; b < level.Batch; b++)
                    PoolImage(b, (float*)pin.Pointer + (long)b * level.ImageStride, rois);
            }
            finally
            {
                _src = _hwc = _out = null;
                _rois = null;
                _rows = null;
            }
        }
    }

    /// <summary>Pools the RoIs of batch image <paramref name="b"/>, reading its [C,H,W] plane at <paramref name="image"/>.</summary>
    private void PoolImage(int b, float* image, ReadOnlySpan<RoiBox> rois)
    {
        int n = 0;
        long samples = 0;
        for (int i = 0; i < rois.Length; i++)
        {
            if (rois[i].BatchIndex != b) continue;
            var r = rois[i];
            // Visit RoIs tile by tile (64 input pixels) so neighbours reuse the feature rows still in cache;
            // each RoI writes its own output row, so the order changes no result.
            _roiOrder[n] = (int)Math.Clamp(0.5f * (r.Y1 + r.Y2) / 64f, 0, 1 << 14) * 32768
                           + (int)Math.Clamp(0.5f * (r.X1 + r.X2) / 64f, 0, 32767);
            _imageRois[n++] = i;
            var g = RoiAlignMath.Geometry(r.X1, r.Y1, r.X2, r.Y2, _p.SpatialScale, _p.PooledHeight, _p.PooledWidth,
                _p.SamplingRatio, _p.Aligned);
            samples += (long)_p.BinsPerChannel * Math.Max(g.GridHeight, 0) * Math.Max(g.GridWidth, 0);
        }
        if (n == 0) return;
        Array.Sort(_roiOrder, _imageRois, 0, n);

        long pixels = (long)_height * _width;
        // The transpose moves C·H·W floats once; channels-first pays ~4 scattered loads per sample and channel
        // at scalar speed. Past about one sample per two pixels the transpose is the cheaper of the two.
        _useChannelsLast = _layout switch
        {
            RoiAlignLayout.ChannelsLast => true,
            RoiAlignLayout.ChannelsFirst => false,
            _ => samples * 2 >= pixels,
        };
        _src = image;
        if (_useChannelsLast)
        {
            long needed = (long)_channels * pixels;
            if (_channelsLast.Length < needed) _channelsLast = GC.AllocateUninitializedArray<float>(checked((int)needed), pinned: true);
            _hwc = (float*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref _channelsLast[0]);
            Parallel.For(0, _height, new ParallelOptions { MaxDegreeOfParallelism = _workers }, _transposeRow);
        }
        _imageRoiCount = n;
        _nextRoi = -1;
        int workers = Math.Min(_workers, n);
        if (workers == 1) PoolWorker(0);
        else Parallel.For(0, workers, new ParallelOptions { MaxDegreeOfParallelism = workers }, _poolWorker);
    }

    /// <summary>[C,H,W] → [H,W,C] for one row y, in 16-pixel tiles so writes stay within a few cache lines.</summary>
    private void TransposeRow(int y)
    {
        int c = _channels, w = _width;
        long plane = (long)_height * w;
        float* src = _src + (long)y * w;
        float* dst = _hwc + (long)y * w * c;
        int x0 = 0;
        if (Avx.IsSupported && c % 8 == 0)
        {
            // 8 channels × 8 pixels at a time: a register transpose (moves only, so the values are untouched).
            for (; x0 + 8 <= w; x0 += 8)
                for (int ch = 0; ch < c; ch += 8)
                    BlockTranspose.Transpose8x8(src + ch * plane + x0, plane, dst + (long)x0 * c + ch, c);
        }
        for (; x0 < w; x0 += 16)
        {
            int x1 = Math.Min(x0 + 16, w);
            for (int ch = 0; ch < c; ch++)
            {
                float* s = src + ch * plane;
                for (int x = x0; x < x1; x++) dst[(long)x * c + ch] = s[x];
            }
        }
    }

    private void PoolWorker(int worker)
    {
        var scratch = _scratch[worker];
        scratch.EnsureChannels(_channels);
        int i;
        while ((i = Interlocked.Increment(ref _nextRoi)) < _imageRoiCount)
        {
            int roi = _imageRois[i];
            PoolRoi(_rois[roi], _out + (long)_rows[roi] * _channels * _p.BinsPerChannel, scratch);
        }
    }

    /// <summary>One RoI into its [C, ph, pw] output block.</summary>
    private void PoolRoi(in RoiBox roi, float* outRow, WorkerScratch scratch)
    {
        var p = _p;
        var g = RoiAlignMath.Geometry(roi.X1, roi.Y1, roi.X2, roi.Y2, p.SpatialScale, p.PooledHeight, p.PooledWidth,
            p.SamplingRatio, p.Aligned);
        int gridH = Math.Max(g.GridHeight, 0), gridW = Math.Max(g.GridWidth, 0);
        scratch.EnsureSamples(gridH * gridW);
        scratch.EnsureTaps(p.PooledHeight * gridH, p.PooledWidth * gridW);
        int channels = _channels, bins = p.BinsPerChannel;
        // Channels-last with whole 8-channel groups: each bin's C values go to a bin-major block ([bins, C],
        // contiguous stores), turned into the [C, bins] output by 8×8 register transposes at the end.
        bool binMajor = _useChannelsLast && Avx.IsSupported && channels % 8 == 0;
        if (binMajor) scratch.EnsureBinMajor(bins * channels);
        // Offsets are in floats of the layout read: channels-last spaces pixels C apart, channels-first 1 apart.
        int pixelStride = _useChannelsLast ? channels : 1;
        // The sample taps of each row (ph, iy) and column (pw, ix), as torchvision computes them per sample.
        for (int ph = 0; ph < p.PooledHeight; ph++)
            for (int iy = 0; iy < gridH; iy++)
                scratch.YTaps[ph * gridH + iy] = RoiAlignMath.Axis(RoiAlignMath.SampleY(g, ph, iy), _height);
        for (int pw = 0; pw < p.PooledWidth; pw++)
            for (int ix = 0; ix < gridW; ix++)
                scratch.XTaps[pw * gridW + ix] = RoiAlignMath.Axis(RoiAlignMath.SampleX(g, pw, ix), _width);
        float[] acc = scratch.Accumulator;
        fixed (Sample* samples = scratch.Samples)
        fixed (float* accPtr = acc)
        fixed (float* binMajorPtr = scratch.BinMajor)
        fixed (AxisTap* yTaps = scratch.YTaps)
        fixed (AxisTap* xTaps = scratch.XTaps)
        {
            for (int ph = 0; ph < p.PooledHeight; ph++)
            {
                for (int pw = 0; pw < p.PooledWidth; pw++)
                {
                    int count = CollectSamples(yTaps + ph * gridH, xTaps + pw * gridW, gridH, gridW, pixelStride, samples);
                    int bin = ph * p.PooledWidth + pw;
                    float* a = binMajor ? binMajorPtr + bin * channels : accPtr;
                    if (_useChannelsLast && channels % (4 * Vector<float>.Count) == 0)
                    {
                        AverageChannelsLast(samples, count, a, channels, g.Count);
                    }
                    else
                    {
                        new Span<float>(a, channels).Clear();
                        if (_useChannelsLast) AccumulateChannelsLast(samples, count, a, channels);
                        else AccumulateChannelsFirst(samples, count, a, channels);
                        DivideByCount(a, channels, g.Count);
                    }
                    if (binMajor) continue;
                    float* o = outRow + bin;
                    for (int c = 0; c < channels; c++) o[(long)c * bins] = a[c];
                }
            }
            if (binMajor)
            {
                int bin = 0;
                for (; bin + 8 <= bins; bin += 8)
                    for (int c = 0; c < channels; c += 8)
                        BlockTranspose.Transpose8x8(binMajorPtr + bin * channels + c, channels, outRow + (long)c * bins + bin, bins);
                for (; bin < bins; bin++)
                    for (int c = 0; c < channels; c++)
                        outRow[(long)c * bins + bin] = binMajorPtr[bin * channels + c];
            }
        }
    }

    /// <summary>The in-range samples of one bin in torchvision's iy-major order; out-of-range ones add 0 and are skipped.</summary>
    private int CollectSamples(AxisTap* yTaps, AxisTap* xTaps, int gridH, int gridW, int pixelStride, Sample* samples)
    {
        int n = 0, w = _width;
        for (int iy = 0; iy < gridH; iy++)
        {
            var ty = yTaps[iy];
            for (int ix = 0; ix < gridW; ix++)
            {
                var tx = xTaps[ix];
                if ((ty.Valid & tx.Valid) == 0) continue;
                samples[n++] = new Sample(
                    (ty.Low * w + tx.Low) * pixelStride, (ty.Low * w + tx.High) * pixelStride,
                    (ty.High * w + tx.Low) * pixelStride, (ty.High * w + tx.High) * pixelStride,
                    ty.LowWeight * tx.LowWeight, ty.LowWeight * tx.HighWeight,
                    ty.HighWeight * tx.LowWeight, ty.HighWeight * tx.HighWeight);
            }
        }
        return n;
    }

    /// <summary>
    /// One bin of the channels-last layout when C is a multiple of four vectors: each channel's sum over the samples
    /// in registers (<see cref="AccumulateChannelsLast"/>'s steps, from 0), then divided by the count, into acc[0..C).
    /// </summary>
    private void AverageChannelsLast(Sample* samples, int count, float* acc, int channels, float divisor)
    {
        float* src = _hwc;
        int lanes = Vector<float>.Count;
        // x / 2^k and x · 2^-k are the same correctly rounded number, so a power-of-two count (4 with sampling ratio 2)
        // multiplies instead of dividing.
        bool powerOfTwo = BitOperations.IsPow2((int)divisor);
        var scale = new Vector<float>(powerOfTwo ? 1f / divisor : divisor);
        for (int ch = 0; ch < channels; ch += 4 * lanes)
        {
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (int s = 0; s < count; s++)
            {
                ref readonly Sample t = ref samples[s];
                float* a = src + t.P1 + ch, b = src + t.P2 + ch, c = src + t.P3 + ch, d = src + t.P4 + ch;
                var w1 = new Vector<float>(t.W1);
                var w2 = new Vector<float>(t.W2);
                var w3 = new Vector<float>(t.W3);
                var w4 = new Vector<float>(t.W4);
                s0 += w1 * Vector.Load(a) + w2 * Vector.Load(b) + w3 * Vector.Load(c) + w4 * Vector.Load(d);
                s1 += w1 * Vector.Load(a + lanes) + w2 * Vector.Load(b + lanes) + w3 * Vector.Load(c + lanes) + w4 * Vector.Load(d + lanes);
                s2 += w1 * Vector.Load(a + 2 * lanes) + w2 * Vector.Load(b + 2 * lanes) + w3 * Vector.Load(c + 2 * lanes) + w4 * Vector.Load(d + 2 * lanes);
                s3 += w1 * Vector.Load(a + 3 * lanes) + w2 * Vector.Load(b + 3 * lanes) + w3 * Vector.Load(c + 3 * lanes) + w4 * Vector.Load(d + 3 * lanes);
            }
            if (powerOfTwo)
            {
                Vector.Store(s0 * scale, acc + ch);
                Vector.Store(s1 * scale, acc + ch + lanes);
                Vector.Store(s2 * scale, acc + ch + 2 * lanes);
                Vector.Store(s3 * scale, acc + ch + 3 * lanes);
            }
            else
            {
                Vector.Store(s0 / scale, acc + ch);
                Vector.Store(s1 / scale, acc + ch + lanes);
                Vector.Store(s2 / scale, acc + ch + 2 * lanes);
                Vector.Store(s3 / scale, acc + ch + 3 * lanes);
            }
        }
    }

    /// <summary>acc[c] / count for every channel (a vector divide is the same IEEE division per lane).</summary>
    private static void DivideByCount(float* acc, int channels, float count)
    {
        int lanes = Vector<float>.Count, c = 0;
        var divisor = new Vector<float>(count);
        for (; c <= channels - lanes; c += lanes) Vector.Store(Vector.Load(acc + c) / divisor, acc + c);
        for (; c < channels; c++) acc[c] /= count;
    }

    private void AccumulateChannelsLast(Sample* samples, int count, float* acc, int channels)
    {
        float* src = _hwc;
        int lanes = Vector<float>.Count;
        int vectorEnd = channels - channels % lanes;
        for (int s = 0; s < count; s++)
        {
            ref readonly Sample t = ref samples[s];
            float* a = src + t.P1, b = src + t.P2, c = src + t.P3, d = src + t.P4;
            var w1 = new Vector<float>(t.W1);
            var w2 = new Vector<float>(t.W2);
            var w3 = new Vector<float>(t.W3);
            var w4 = new Vector<float>(t.W4);
            int ch = 0;
            for (; ch < vectorEnd; ch += lanes)
            {
                // Same association as the scalar kernel: acc + (((w1·a + w2·b) + w3·c) + w4·d).
                var v = w1 * Vector.Load(a + ch) + w2 * Vector.Load(b + ch) + w3 * Vector.Load(c + ch) + w4 * Vector.Load(d + ch);
                Vector.Store(Vector.Load(acc + ch) + v, acc + ch);
            }
            for (; ch < channels; ch++)
                acc[ch] += t.W1 * a[ch] + t.W2 * b[ch] + t.W3 * c[ch] + t.W4 * d[ch];
        }
    }

    private void AccumulateChannelsFirst(Sample* samples, int count, float* acc, int channels)
    {
        long plane = (long)_height * _width;
        for (int ch = 0; ch < channels; ch++)
        {
            float* src = _src + ch * plane;
            float sum = 0f;
            for (int s = 0; s < count; s++)
            {
                ref readonly Sample t = ref samples[s];
                sum += t.W1 * src[t.P1] + t.W2 * src[t.P2] + t.W3 * src[t.P3] + t.W4 * src[t.P4];
            }
            acc[ch] = sum;
        }
    }

    private readonly record struct Sample(int P1, int P2, int P3, int P4, float W1, float W2, float W3, float W4);

    private sealed class WorkerScratch
    {
        public Sample[] Samples = new Sample[16];
        public float[] Accumulator = [];

        public void EnsureSamples(int n)
        {
            if (Samples.Length < n) Samples = new Sample[Math.Max(n, Samples.Length * 2)];
        }

        public AxisTap[] YTaps = new AxisTap[32];
        public AxisTap[] XTaps = new AxisTap[32];
        public float[] BinMajor = new float[1];

        public void EnsureChannels(int c)
        {
            if (Accumulator.Length < c) Accumulator = new float[c];
        }

        public void EnsureTaps(int rows, int columns)
        {
            if (YTaps.Length < rows) YTaps = new AxisTap[Math.Max(rows, 2 * YTaps.Length)];
            if (XTaps.Length < columns) XTaps = new AxisTap[Math.Max(columns, 2 * XTaps.Length)];
        }

        public void EnsureBinMajor(int n)
        {
            if (BinMajor.Length < n) BinMajor = new float[n];
        }
    }
}
