using System.Numerics;
using System.Runtime.Intrinsics;
using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;

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
    // Input cells per tile side of the pruned argmax (4 of 56: tiles small enough that a peak's bound rules out most).
    private const int TileCells = 4;

    private CubicTap[] _xTaps = [];
    private CubicTap[] _yTaps = [];
    private float[] _rows = [];
    private float[] _values = [];
    private float[] _blockMax = [], _blockMin = [], _tileBounds = [];
    private int[] _tileX = [], _tileY = [], _tileColBlocks = [], _tileRowBlocks = [];
    private int _blocks, _tilesX, _tilesY;
    private float _negativeMass;

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
        bool prune = Pruning && outW * outH > MinPrunedOutput;
        if (prune) PrepareTiles(m, xTaps, yTaps);
        for (int k = 0; k < j; k++)
        {
            var map = heatmaps.Slice(k * plane, plane);
            int bestX, bestY;
            float best;
            if (!prune || !ArgmaxPruned(map, m, xTaps, yTaps, rows, out best, out bestX, out bestY))
                ArgmaxFull(map, m, xTaps, yTaps, rows, out best, out bestX, out bestY);
            float kx = (bestX + 0.5f) * widthCorrection + roi.X1;
            float ky = (bestY + 0.5f) * heightCorrection + roi.Y1;
            keypoints[k] = new Keypoint(kx, ky, best);
        }
    }

    /// <summary>Tests turn this off to compare the pruned search with the exhaustive one.</summary>
    internal bool Pruning { get; init; } = true;

    // Below this many output pixels the whole map is as cheap as the bounds.
    private const int MinPrunedOutput = 2048;

    /// <summary>The argmax over the whole resized map (torch.argmax's first maximum, a NaN counting as the maximum).</summary>
    private void ArgmaxFull(ReadOnlySpan<float> map, int m, ReadOnlySpan<CubicTap> xTaps, ReadOnlySpan<CubicTap> yTaps,
        Span<float> rows, out float best, out int bestX, out int bestY)
    {
        int outW = xTaps.Length, outH = yTaps.Length;
        // Along x for every input row; then each output value along y reads 4 of these rows. The sums run in
        // the order torch's separable kernel uses, so the values are the same.
        for (int r = 0; r < m; r++)
        {
            var src = map.Slice(r * m, m);
            var dst = rows.Slice(r * outW, outW);
            for (int x = 0; x < outW; x++) dst[x] = xTaps[x].Apply(src, 1);
        }
        var values = _values.AsSpan(0, outW);
        best = float.NegativeInfinity;
        bestX = 0;
        bestY = 0;
        bool first = true;
        for (int y = 0; y < outH; y++)
        {
            yTaps[y].ApplyRows(rows, outW, values);
            if (RowMaximum(values, out float rowBest, out int rowX))
            {
                // torch.argmax: the first maximum in row-major order, so a later row wins only when strictly larger.
                if (first || rowBest > best)
                {
                    best = rowBest;
                    bestX = rowX;
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
    }

    /// <summary>
    /// The same argmax, computing only the output tiles that can hold it. Output pixels are grouped into tiles by the
    /// <see cref="TileCells"/>×<see cref="TileCells"/> block of input cells their source position falls in. A bicubic
    /// value is Σ c·v over its 4×4 taps with Σ c = 1 and a negative mass Σ|c<0| ≤ N, so it is at most M + N·(M − min)
    /// over the input values under the tile's taps. The tile with the highest bound is computed first; a tile whose
    /// bound is below the best value found so far cannot hold the maximum (nor tie with it) and is skipped. Computed
    /// values use the exhaustive path's f32 operations in its order, so they and the chosen position are identical.
    /// Returns false (the caller runs the exhaustive search) for a map with a NaN or an infinity.
    /// </summary>
    private bool ArgmaxPruned(ReadOnlySpan<float> map, int m, ReadOnlySpan<CubicTap> xTaps, ReadOnlySpan<CubicTap> yTaps,
        Span<float> rows, out float best, out int bestX, out int bestY)
    {
        best = float.NegativeInfinity;
        bestX = bestY = 0;
        int blocks = _blocks;
        var blockMax = _blockMax.AsSpan(0, blocks * blocks);
        var blockMin = _blockMin.AsSpan(0, blocks * blocks);
        if (!BlockStatistics(map, m, blocks, blockMax, blockMin, out float maxAbs)) return false;
        // f32 rounding of the sums and of weights that add up to 1 within an ulp or so: far below this.
        float slack = 1e-5f * maxAbs;
        int tilesX = _tilesX, tilesY = _tilesY;
        var bounds = _tileBounds.AsSpan(0, tilesX * tilesY);
        int top = -1;
        for (int ty = 0; ty < tilesY; ty++)
        {
            var (rowLo, rowHi) = (_tileRowBlocks[2 * ty], _tileRowBlocks[2 * ty + 1]);
            for (int tx = 0; tx < tilesX; tx++)
            {
                int t = ty * tilesX + tx;
                if (rowLo > rowHi || _tileColBlocks[2 * tx] > _tileColBlocks[2 * tx + 1])
                {
                    bounds[t] = float.NegativeInfinity; // no output pixel in this tile
                    continue;
                }
                float hi = float.NegativeInfinity, lo = float.PositiveInfinity;
                for (int by = rowLo; by <= rowHi; by++)
                    for (int bx = _tileColBlocks[2 * tx]; bx <= _tileColBlocks[2 * tx + 1]; bx++)
                    {
                        hi = MathF.Max(hi, blockMax[by * blocks + bx]);
                        lo = MathF.Min(lo, blockMin[by * blocks + bx]);
                    }
                bounds[t] = hi + _negativeMass * (hi - lo) + slack;
                if (top < 0 || bounds[t] > bounds[top]) top = t;
            }
        }
        if (top < 0) return false;
        bool found = false;
        EvaluateTile(map, m, xTaps, yTaps, rows, top, ref found, ref best, ref bestX, ref bestY);
        for (int t = 0; t < bounds.Length; t++)
        {
            if (t == top || !(bounds[t] >= best)) continue;
            EvaluateTile(map, m, xTaps, yTaps, rows, t, ref found, ref best, ref bestX, ref bestY);
        }
        return found;
    }

    /// <summary>Every output value of tile <paramref name="t"/>, folded into the running row-major first maximum.</summary>
    private void EvaluateTile(ReadOnlySpan<float> map, int m, ReadOnlySpan<CubicTap> xTaps, ReadOnlySpan<CubicTap> yTaps,
        Span<float> rows, int t, ref bool found, ref float best, ref int bestX, ref int bestY)
    {
        int outW = xTaps.Length, ty = t / _tilesX, tx = t % _tilesX;
        int x0 = _tileX[tx], x1 = _tileX[tx + 1], y0 = _tileY[ty], y1 = _tileY[ty + 1], width = x1 - x0;
        // Along x, the input rows under this tile's y taps (the exhaustive path's values, recomputed where tiles share rows).
        for (int r = yTaps[y0].I0; r <= yTaps[y1 - 1].I3; r++)
        {
            var src = map.Slice(r * m, m);
            var dst = rows.Slice(r * outW, outW);
            for (int x = x0; x < x1; x++) dst[x] = xTaps[x].Apply(src, 1);
        }
        var values = _values.AsSpan(0, width);
        for (int y = y0; y < y1; y++)
        {
            yTaps[y].ApplyRows(rows, outW, x0, values);
            RowMaximum(values, out float rowBest, out int rowX); // no NaN: the caller checked the map
            int x = x0 + rowX;
            if (!found || rowBest > best || (rowBest == best && (y < bestY || (y == bestY && x < bestX))))
            {
                best = rowBest;
                bestX = x;
                bestY = y;
                found = true;
            }
        }
    }

    /// <summary>
    /// Per-decode tile layout: output columns (rows) grouped by the input cell block of their floor tap, each group's
    /// span of input blocks under its 4 taps, and the largest negative weight mass of any output pixel's 16 taps.
    /// </summary>
    private void PrepareTiles(int m, ReadOnlySpan<CubicTap> xTaps, ReadOnlySpan<CubicTap> yTaps)
    {
        int blocks = (m + TileCells - 1) / TileCells;
        _blocks = blocks;
        if (_blockMax.Length < blocks * blocks)
        {
            _blockMax = new float[blocks * blocks];
            _blockMin = new float[blocks * blocks];
            _tileBounds = new float[blocks * blocks];
        }
        if (_tileX.Length < blocks + 1)
        {
            _tileX = new int[blocks + 1];
            _tileY = new int[blocks + 1];
            _tileColBlocks = new int[2 * blocks];
            _tileRowBlocks = new int[2 * blocks];
        }
        _tilesX = _tilesY = blocks;
        Layout(xTaps, blocks, _tileX, _tileColBlocks, out float px, out float nx);
        Layout(yTaps, blocks, _tileY, _tileRowBlocks, out float py, out float ny);
        // A product weight wy·wx is negative when exactly one factor is: Σ|c<0| = Py·Nx + Ny·Px for one pixel.
        _negativeMass = py * nx + ny * px;
    }

    private static void Layout(ReadOnlySpan<CubicTap> taps, int blocks, int[] start, int[] blockSpan, out float maxPositive,
        out float maxNegative)
    {
        maxPositive = maxNegative = 0f;
        int o = 0;
        for (int b = 0; b < blocks; b++)
        {
            start[b] = o;
            while (o < taps.Length && taps[o].I1 / TileCells == b) o++;
            if (o > start[b])
            {
                blockSpan[2 * b] = taps[start[b]].I0 / TileCells;
                blockSpan[2 * b + 1] = taps[o - 1].I3 / TileCells;
            }
            else
            {
                (blockSpan[2 * b], blockSpan[2 * b + 1]) = (1, 0); // empty
            }
        }
        start[blocks] = o;
        foreach (var t in taps)
        {
            maxPositive = MathF.Max(maxPositive, MathF.Max(t.W0, 0f) + MathF.Max(t.W1, 0f) + MathF.Max(t.W2, 0f) + MathF.Max(t.W3, 0f));
            maxNegative = MathF.Max(maxNegative, MathF.Max(-t.W0, 0f) + MathF.Max(-t.W1, 0f) + MathF.Max(-t.W2, 0f) + MathF.Max(-t.W3, 0f));
        }
    }

    /// <summary>
    /// Largest and smallest value of each <see cref="TileCells"/>² block of the map, and the largest magnitude; false when
    /// the map holds a NaN or an infinity.
    /// </summary>
    private static bool BlockStatistics(ReadOnlySpan<float> map, int m, int blocks, Span<float> blockMax, Span<float> blockMin,
        out float maxAbs)
    {
        blockMax.Fill(float.NegativeInfinity);
        blockMin.Fill(float.PositiveInfinity);
        Span<Vector128<float>> vmax = stackalloc Vector128<float>[blocks];
        Span<Vector128<float>> vmin = stackalloc Vector128<float>[blocks];
        var nan = Vector128<float>.Zero;
        int full = m / TileCells;
        for (int by = 0; by < blocks; by++)
        {
            vmax.Fill(Vector128.Create(float.NegativeInfinity));
            vmin.Fill(Vector128.Create(float.PositiveInfinity));
            var rowMax = blockMax.Slice(by * blocks, blocks);
            var rowMin = blockMin.Slice(by * blocks, blocks);
            for (int r = by * TileCells; r < Math.Min(m, (by + 1) * TileCells); r++)
            {
                var row = map.Slice(r * m, m);
                for (int b = 0; b < full; b++)
                {
                    var v = Vector128.Create(row.Slice(b * TileCells, TileCells));
                    nan |= ~Vector128.Equals(v, v);
                    vmax[b] = Vector128.MaxNative(vmax[b], v);
                    vmin[b] = Vector128.MinNative(vmin[b], v);
                }
                for (int x = full * TileCells; x < m; x++)
                {
                    float v = row[x];
                    if (float.IsNaN(v)) return Fail(out maxAbs);
                    rowMax[x / TileCells] = MathF.Max(rowMax[x / TileCells], v);
                    rowMin[x / TileCells] = MathF.Min(rowMin[x / TileCells], v);
                }
            }
            for (int b = 0; b < full; b++)
            {
                var hi = vmax[b];
                var lo = vmin[b];
                rowMax[b] = MathF.Max(MathF.Max(hi.GetElement(0), hi.GetElement(1)), MathF.Max(hi.GetElement(2), hi.GetElement(3)));
                rowMin[b] = MathF.Min(MathF.Min(lo.GetElement(0), lo.GetElement(1)), MathF.Min(lo.GetElement(2), lo.GetElement(3)));
            }
        }
        if (nan != Vector128<float>.Zero) return Fail(out maxAbs);
        maxAbs = 0f;
        for (int b = 0; b < blockMax.Length; b++) maxAbs = MathF.Max(maxAbs, MathF.Max(MathF.Abs(blockMax[b]), MathF.Abs(blockMin[b])));
        return float.IsFinite(maxAbs);
    }

    private static bool Fail(out float maxAbs)
    {
        maxAbs = 0f;
        return false;
    }

    /// <summary>The row's largest value and its first index; false when the row holds a NaN.</summary>
    private static bool RowMaximum(ReadOnlySpan<float> values, out float max, out int index)
    {
        int n = values.Length, x = 0;
        max = float.NegativeInfinity;
        index = 0;
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
            if (nan != Vector<int>.Zero) return false;
            for (int i = 0; i < Vector<float>.Count; i++) max = MathF.Max(max, vmax[i]);
        }
        for (; x < n; x++)
        {
            float v = values[x];
            if (float.IsNaN(v)) return false;
            if (v > max) max = v;
        }
        index = values.IndexOf(max);
        if (index < 0) index = 0; // every value is -inf: the first one
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
    public void ApplyRows(ReadOnlySpan<float> rows, int width, Span<float> values) => ApplyRows(rows, width, 0, values);

    /// <summary><see cref="ApplyRows(ReadOnlySpan{float}, int, Span{float})"/> for columns x0 .. x0 + values.Length − 1 only.</summary>
    public void ApplyRows(ReadOnlySpan<float> rows, int stride, int x0, Span<float> values)
    {
        int width = values.Length;
        var r0 = rows.Slice(I0 * stride + x0, width);
        var r1 = rows.Slice(I1 * stride + x0, width);
        var r2 = rows.Slice(I2 * stride + x0, width);
        var r3 = rows.Slice(I3 * stride + x0, width);
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
