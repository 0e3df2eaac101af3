using System.Numerics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Kernels.Simd;

namespace MaskStream.Detector.Heads;

/// <summary>
/// torchvision's heatmaps_to_keypoints (roi_heads.py), PARITY §12: each heatmap is resized to the box's ceil'd size with
/// torch's bicubic (align_corners=False, A = −0.75, taps clamped to the border), the first maximum wins, and the cell
/// maps back with Heckbert's continuous = discrete + 0.5 and the width/height correction of the ceil. The score is the
/// resized heatmap value (a logit) there. Exact parity needs the whole resized map: a local search around the coarse
/// maximum is not guaranteed to find the same argmax. Scratch belongs to the instance. One call at a time per instance.
/// </summary>
public sealed class KeypointDecoder
{
    private CubicTap[] _xTaps = [];
    private CubicTap[] _yTaps = [];
    private float[] _rows = [];
    private float[] _values = [];
    private float[] _mapT = [];
    private float[] _columns = [];

    /// <summary>
    /// Decodes J heatmaps of one detection into J keypoints, xyxy frame of <paramref name="roi"/> (resized-input pixels).
    /// </summary>
    /// <param name="heatmaps">[J, M, M] logits of the keypoint head for this detection.</param>
    /// <param name="heatmapSize">M (56).</param>
    /// <param name="roi">The detection box the RoI was pooled from.</param>
    /// <param name="keypoints">J outputs: position in the roi's pixel frame and the logit score.</param>
    public void Decode(ReadOnlySpan<float> heatmaps, int heatmapSize, in BoxF roi, Span<Keypoint> keypoints)
    {
        int m = heatmapSize, plane = m * m, j = keypoints.Length;
        if (m < 1 || heatmaps.Length != j * plane)
            throw new ArgumentException($"Heatmaps hold {heatmaps.Length} floats; {j} maps of {m}x{m} need {j * plane}.", nameof(heatmaps));
        float width = MathF.Max(roi.X2 - roi.X1, 1f);
        float height = MathF.Max(roi.Y2 - roi.Y1, 1f);
        int outW = (int)MathF.Ceiling(width), outH = (int)MathF.Ceiling(height);
        float widthCorrection = width / outW, heightCorrection = height / outH;
        Grow(outW, outH, m);
        var xTaps = _xTaps.AsSpan(0, outW);
        var yTaps = _yTaps.AsSpan(0, outH);
        CubicTap.Fill(m, xTaps);
        CubicTap.Fill(m, yTaps);
        var rows = _rows.AsSpan(0, m * outW);
        for (int k = 0; k < j; k++)
        {
            var map = heatmaps.Slice(k * plane, plane);
            // Along x for every input row; then each output value along y reads 4 of these rows. The sums run in
            // the order torch's separable kernel uses, so the values are the same.
            if (Simd && Avx.IsSupported && m % 8 == 0) AlongXTransposed(map, m, xTaps, rows);
            else
            {
                for (int r = 0; r < m; r++)
                {
                    var src = map.Slice(r * m, m);
                    var dst = rows.Slice(r * outW, outW);
                    for (int x = 0; x < outW; x++) dst[x] = xTaps[x].Apply(src, 1);
                }
            }
            var values = _values.AsSpan(0, outW);
            float best = float.NegativeInfinity;
            int bestX = 0, bestY = 0;
            bool first = true;
            for (int y = 0; y < outH; y++)
            {
                yTaps[y].ApplyRows(rows, outW, values);
                if (RowMaximum(values, out float rowBest))
                {
                    // torch.argmax: the first maximum in row-major order, so a later row wins only when strictly larger.
                    // Only a winning row is searched for the position of its maximum.
                    if (first || rowBest > best)
                    {
                        best = rowBest;
                        bestX = Math.Max(values.IndexOf(rowBest), 0);
                        bestY = y;
                        first = false;
                    }
                    continue;
                }
                // A NaN counts as the maximum (torch.argmax): the scalar rule, value by value.
                for (int x = 0; x < outW; x++)
                {
                    float v = values[x];
                    if (first || v > best || (float.IsNaN(v) && !float.IsNaN(best)))
                    {
                        best = v;
                        bestX = x;
                        bestY = y;
                        first = false;
                    }
                }
            }
            float dx = 0f, dy = 0f;
            if (Subpixel && float.IsFinite(best))
            {
                if (bestX > 0 && bestX < outW - 1)
                    dx = VertexOffset(yTaps[bestY].Apply(rows.Slice(bestX - 1), outW), best, yTaps[bestY].Apply(rows.Slice(bestX + 1), outW));
                if (bestY > 0 && bestY < outH - 1)
                    dy = VertexOffset(yTaps[bestY - 1].Apply(rows.Slice(bestX), outW), best, yTaps[bestY + 1].Apply(rows.Slice(bestX), outW));
            }
            float kx = (bestX + 0.5f + dx) * widthCorrection + roi.X1;
            float ky = (bestY + 0.5f + dy) * heightCorrection + roi.Y1;
            keypoints[k] = new Keypoint(kx, ky, best);
        }
    }

    /// <summary>
    /// Refine each keypoint within its pixel: the vertex of the parabola through the maximum and its two neighbours,
    /// along x and along y, at most half a pixel from torchvision's cell centre. Off: torchvision's positions exactly.
    /// </summary>
    public bool Subpixel { get; init; }

    /// <summary>The vertex of the parabola through (−1, l), (0, c), (1, r), clamped to ±0.5; 0 when c is not a strict peak.</summary>
    internal static float VertexOffset(float l, float c, float r)
    {
        float curvature = l - 2f * c + r;
        if (!(curvature < 0f)) return 0f;
        return Math.Clamp(0.5f * (l - r) / curvature, -0.5f, 0.5f);
    }

    /// <summary>Tests turn this off to compare the SIMD x pass with the scalar one.</summary>
    internal bool Simd { get; init; } = true;

    /// <summary>
    /// The x pass with SIMD over input rows: the map is transposed (columns become contiguous), each output column is
    /// w0·col[i0] + w1·col[i1] + w2·col[i2] + w3·col[i3] for 8 rows at a time with <see cref="CubicTap.Apply"/>'s f32
    /// steps in its order (no fused multiply-add), and the [outW, M] result is transposed back into
    /// <paramref name="rows"/> [M, outW]. The transposes only move values, so rows are bit-identical to the scalar pass.
    /// </summary>
    private unsafe void AlongXTransposed(ReadOnlySpan<float> map, int m, ReadOnlySpan<CubicTap> xTaps, Span<float> rows)
    {
        int outW = xTaps.Length;
        if (_mapT.Length < m * m) _mapT = new float[m * m];
        if (_columns.Length < outW * m) _columns = new float[Math.Max(outW * m, 2 * _columns.Length)];
        fixed (float* src = map)
        fixed (float* mapT = _mapT)
        fixed (float* columns = _columns)
        fixed (float* dst = rows)
        fixed (CubicTap* taps = xTaps)
        {
            for (int r = 0; r < m; r += 8)
                for (int c = 0; c < m; c += 8)
                    BlockTranspose.Transpose8x8(src + r * m + c, m, mapT + c * m + r, m);
            for (int x = 0; x < outW; x++)
            {
                var t = taps[x];
                float* c0 = mapT + t.I0 * m, c1 = mapT + t.I1 * m, c2 = mapT + t.I2 * m, c3 = mapT + t.I3 * m;
                float* o = columns + x * m;
                Vector256<float> w0 = Vector256.Create(t.W0), w1 = Vector256.Create(t.W1), w2 = Vector256.Create(t.W2), w3 = Vector256.Create(t.W3);
                for (int r = 0; r < m; r += 8)
                {
                    var sum = Avx.LoadVector256(c0 + r) * w0;
                    sum += Avx.LoadVector256(c1 + r) * w1;
                    sum += Avx.LoadVector256(c2 + r) * w2;
                    sum += Avx.LoadVector256(c3 + r) * w3;
                    Avx.Store(o + r, sum);
                }
            }
            int x0 = 0;
            for (; x0 + 8 <= outW; x0 += 8)
                for (int r = 0; r < m; r += 8)
                    BlockTranspose.Transpose8x8(columns + x0 * m + r, m, dst + r * outW + x0, outW);
            for (; x0 < outW; x0++)
                for (int r = 0; r < m; r++)
                    dst[r * outW + x0] = columns[x0 * m + r];
        }
    }

    /// <summary>The row's largest value; false when the row holds a NaN.</summary>
    private static bool RowMaximum(ReadOnlySpan<float> values, out float max)
    {
        int n = values.Length, x = 0;
        max = float.NegativeInfinity;
        if (n >= Vector<float>.Count)
        {
            var vmax = new Vector<float>(float.NegativeInfinity);
            var nan = Vector<int>.Zero;
            for (; x <= n - Vector<float>.Count; x += Vector<float>.Count)
            {
                var v = new Vector<float>(values.Slice(x));
                nan |= ~Vector.Equals(v, v);
                vmax = Vector.Max(vmax, v);
            }
            if (x < n)
            {
                // The last lanes again, overlapping: a maximum does not mind counting a value twice.
                var v = new Vector<float>(values.Slice(n - Vector<float>.Count));
                nan |= ~Vector.Equals(v, v);
                vmax = Vector.Max(vmax, v);
                x = n;
            }
            if (nan != Vector<int>.Zero) return false;
            for (int i = 0; i < Vector<float>.Count; i++) max = MathF.Max(max, vmax[i]);
        }
        for (; x < n; x++)
        {
            float v = values[x];
            if (float.IsNaN(v)) return false;
            if (v > max) max = v;
        }
        return true;
    }

    private void Grow(int outW, int outH, int m)
    {
        if (_values.Length < outW) _values = new float[Math.Max(outW, 2 * _values.Length)];
        if (_xTaps.Length < outW) _xTaps = new CubicTap[Math.Max(outW, 2 * _xTaps.Length)];
        if (_yTaps.Length < outH) _yTaps = new CubicTap[Math.Max(outH, 2 * _yTaps.Length)];
        if (_rows.Length < m * outW) _rows = new float[Math.Max(m * outW, 2 * _rows.Length)];
    }
}

/// <summary>
/// One output position of torch's bicubic upsample (align_corners=False): four clamped input indices and Keys'
/// cubic-convolution weights with A = −0.75, computed in f32 as PyTorch's CPU kernel does.
/// </summary>
internal readonly record struct CubicTap(int I0, int I1, int I2, int I3, float W0, float W1, float W2, float W3)
{
    private const float A = -0.75f;

    /// <summary>Taps for output positions 0..taps.Length-1 from an input of <paramref name="inputSize"/>.</summary>
    public static void Fill(int inputSize, Span<CubicTap> taps)
    {
        float scale = (float)inputSize / taps.Length;
        for (int dst = 0; dst < taps.Length; dst++)
        {
            // area_pixel_compute_source_index(cubic=true): no clamp at 0; evaluated in double, kept as f32.
            float src = (float)(scale * (dst + 0.5) - 0.5);
            int index = Math.Min((int)MathF.Floor(src), inputSize - 1);
            float t = Math.Clamp(src - index, 0f, 1f);
            float x2 = 1f - t;
            taps[dst] = new CubicTap(
                Clamp(index - 1, inputSize), Clamp(index, inputSize), Clamp(index + 1, inputSize), Clamp(index + 2, inputSize),
                Convolution2(t + 1f), Convolution1(t), Convolution1(x2), Convolution2(x2 + 1f));
        }
    }

    /// <summary>w0·v[i0] + w1·v[i1] + w2·v[i2] + w3·v[i3], summed left to right, v[i] = values[i·stride].</summary>
    public float Apply(ReadOnlySpan<float> values, int stride)
    {
        float sum = values[I0 * stride] * W0;
        sum += values[I1 * stride] * W1;
        sum += values[I2 * stride] * W2;
        sum += values[I3 * stride] * W3;
        return sum;
    }

    /// <summary>
    /// <see cref="Apply"/> along y for every x of a row at once: values[x] = w0·rows[i0][x] + … + w3·rows[i3][x], with
    /// the same f32 products and left-to-right sums (SIMD lanes, no fused multiply-add), so the values are identical.
    /// </summary>
    public void ApplyRows(ReadOnlySpan<float> rows, int width, Span<float> values)
    {
        var r0 = rows.Slice(I0 * width, width);
        var r1 = rows.Slice(I1 * width, width);
        var r2 = rows.Slice(I2 * width, width);
        var r3 = rows.Slice(I3 * width, width);
        int x = 0;
        if (width >= Vector<float>.Count)
        {
            Vector<float> w0 = new(W0), w1 = new(W1), w2 = new(W2), w3 = new(W3);
            for (; x <= width - Vector<float>.Count; x += Vector<float>.Count)
            {
                var sum = new Vector<float>(r0.Slice(x)) * w0;
                sum += new Vector<float>(r1.Slice(x)) * w1;
                sum += new Vector<float>(r2.Slice(x)) * w2;
                sum += new Vector<float>(r3.Slice(x)) * w3;
                sum.CopyTo(values.Slice(x));
            }
            if (x < width)
            {
                // The last lanes again, overlapping: the same f32 steps give the same values the scalar tail would.
                x = width - Vector<float>.Count;
                var sum = new Vector<float>(r0.Slice(x)) * w0;
                sum += new Vector<float>(r1.Slice(x)) * w1;
                sum += new Vector<float>(r2.Slice(x)) * w2;
                sum += new Vector<float>(r3.Slice(x)) * w3;
                sum.CopyTo(values.Slice(x));
                x = width;
            }
        }
        for (; x < width; x++)
        {
            float sum = r0[x] * W0;
            sum += r1[x] * W1;
            sum += r2[x] * W2;
            sum += r3[x] * W3;
            values[x] = sum;
        }
    }

    private static int Clamp(int i, int size) => Math.Max(Math.Min(i, size - 1), 0);

    private static float Convolution1(float x) => ((A + 2f) * x - (A + 3f)) * x * x + 1f;

    private static float Convolution2(float x) => ((A * x - 5f * A) * x + 8f * A) * x - 4f * A;
}
