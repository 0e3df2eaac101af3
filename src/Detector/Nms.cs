using System.Numerics;
using MaskStream.Core.Geometry;

namespace MaskStream.Detector;

/// <summary>
/// torchvision.ops.nms and batched_nms (ops/boxes.py, csrc/ops/cpu/nms_kernel.cpp), PARITY §7. Scratch arrays belong to
/// the instance and only grow, so a warm call allocates nothing. One call at a time per instance.
/// </summary>
public sealed class Nms
{
    /// <summary>
    /// batched_nms on the CPU runs one NMS per class when boxes.numel() exceeds this (4 floats per box), and the
    /// coordinate-offset trick otherwise. The two give the same set but not always the same order or the same
    /// IoU rounding, so the switch is mirrored.
    /// </summary>
    public const int VanillaNumelThreshold = 4000;

    private ScoreIndex[] _order = [];
    private float[] _areas = [];
    private float[] _x1 = [], _y1 = [], _x2 = [], _y2 = [];
    private int[] _suppressed = [];
    private BoxF[] _shifted = [];
    private int[] _subset = [];
    private int[] _subsetKeep = [];
    private float[] _subsetScores = [];
    private int[] _runStart = [], _runNext = [], _runKept = [];

    /// <summary>
    /// Greedy NMS: visit boxes by score descending (ties: lower index first, as the stable sort torchvision's CPU
    /// kernel behaves as), keep a box, suppress later boxes whose IoU with it is <c>&gt;</c> <paramref name="iouThreshold"/>
    /// (IoU exactly at the threshold is kept). Writes kept indices in visiting order; returns their count.
    /// </summary>
    public int Run(ReadOnlySpan<BoxF> boxes, ReadOnlySpan<float> scores, double iouThreshold, Span<int> keep)
    {
        int n = boxes.Length;
        if (scores.Length != n)
            throw new ArgumentException($"{scores.Length} scores for {n} boxes.", nameof(scores));
        if (keep.Length < n)
            throw new ArgumentException($"keep holds {keep.Length} indices, needs {n}.", nameof(keep));
        if (n == 0) return 0;
        Grow(n);
        var order = _order.AsSpan(0, n);
        SortByScoreDescending(scores, order);
        // Boxes in visiting order, one array per coordinate, so one box is compared with the later ones 8 at a time.
        var x1 = _x1.AsSpan(0, n);
        var y1 = _y1.AsSpan(0, n);
        var x2 = _x2.AsSpan(0, n);
        var y2 = _y2.AsSpan(0, n);
        var areas = _areas.AsSpan(0, n);
        for (int o = 0; o < n; o++)
        {
            var b = boxes[order[o].Index];
            (x1[o], y1[o], x2[o], y2[o]) = (b.X1, b.Y1, b.X2, b.Y2);
            areas[o] = (b.X2 - b.X1) * (b.Y2 - b.Y1);
        }
        var suppressed = _suppressed.AsSpan(0, n);
        suppressed.Clear();
        float threshold = FloatThreshold(iouThreshold);
        int kept = 0;
        for (int oi = 0; oi < n; oi++)
        {
            if (suppressed[oi] != 0) continue;
            keep[kept++] = order[oi].Index;
            SuppressOverlaps(oi, x1, y1, x2, y2, areas, threshold, suppressed);
        }
        return kept;
    }

    /// <summary>
    /// Marks every box after <paramref name="i"/> (visiting order) whose IoU with it exceeds the threshold. The f32
    /// operations are the reference kernel's, in its order (no fused multiply-add), so the IoUs are bit-identical.
    /// </summary>
    private static void SuppressOverlaps(int i, ReadOnlySpan<float> x1, ReadOnlySpan<float> y1, ReadOnlySpan<float> x2,
        ReadOnlySpan<float> y2, ReadOnlySpan<float> areas, float threshold, Span<int> suppressed)
    {
        int n = x1.Length, j = i + 1;
        float ix1 = x1[i], iy1 = y1[i], ix2 = x2[i], iy2 = y2[i], areaI = areas[i];
        if (n - j >= Vector<float>.Count)
        {
            Vector<float> vx1 = new(ix1), vy1 = new(iy1), vx2 = new(ix2), vy2 = new(iy2), va = new(areaI), vt = new(threshold);
            for (; j <= n - Vector<float>.Count; j += Vector<float>.Count)
            {
                var w = Vector.Max(Vector<float>.Zero, Vector.Min(vx2, new Vector<float>(x2.Slice(j))) - Vector.Max(vx1, new Vector<float>(x1.Slice(j))));
                var h = Vector.Max(Vector<float>.Zero, Vector.Min(vy2, new Vector<float>(y2.Slice(j))) - Vector.Max(vy1, new Vector<float>(y1.Slice(j))));
                var inter = w * h;
                var iou = inter / (va + new Vector<float>(areas.Slice(j)) - inter);
                var over = Vector.GreaterThan(iou, vt);
                (new Vector<int>(suppressed.Slice(j)) | over).CopyTo(suppressed.Slice(j));
            }
        }
        for (; j < n; j++)
        {
            float w = MathF.Max(0f, MathF.Min(ix2, x2[j]) - MathF.Max(ix1, x1[j]));
            float h = MathF.Max(0f, MathF.Min(iy2, y2[j]) - MathF.Max(iy1, y1[j]));
            float inter = w * h;
            float iou = inter / (areaI + areas[j] - inter);
            if (iou > threshold) suppressed[j] = -1;
        }
    }

    /// <summary>
    /// The kernel compares the f32 IoU with the double threshold; the largest float ≤ the threshold gives the same
    /// answer in f32 (no float lies strictly between the two), which SIMD lanes can compare.
    /// </summary>
    internal static float FloatThreshold(double threshold)
    {
        float t = (float)threshold;
        return t > threshold ? MathF.BitDecrement(t) : t;
    }

    /// <summary>
    /// torchvision.ops.batched_nms: NMS within each class (<paramref name="classes"/>, e.g. the label or the FPN level),
    /// never across classes. Kept indices are written in score order (ties: lower index first); returns their count.
    /// </summary>
    public int RunBatched(ReadOnlySpan<BoxF> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> classes,
        double iouThreshold, Span<int> keep)
    {
        int n = boxes.Length;
        if (classes.Length != n)
            throw new ArgumentException($"{classes.Length} class ids for {n} boxes.", nameof(classes));
        if (n == 0) return 0;
        return 4L * n > VanillaNumelThreshold
            ? RunPerClass(boxes, scores, classes, iouThreshold, keep)
            : RunCoordinateTrick(boxes, scores, classes, iouThreshold, keep);
    }

    /// <summary>
    /// The first <paramref name="topN"/> of <see cref="RunBatched"/>'s result (the RPN keeps its post-NMS top-N).
    /// When boxes come as one run per class, each run already in visiting order (score descending, as the RPN's
    /// per-level top-k leaves them), and batched_nms takes its per-class path, only as much NMS runs as the top-N
    /// needs: the runs are merged by score and each candidate is checked against the boxes its class kept so far
    /// (greedy NMS keeps a box iff no earlier kept box of its class overlaps it, so the kept set is the same; the
    /// IoUs are the same f32 steps). torchvision sorts all kept boxes with an unstable sort, which orders tied
    /// scores by its own rule, so when two of the first top-N + 1 kept scores are equal the full path runs instead.
    /// </summary>
    public int RunBatchedTopN(ReadOnlySpan<BoxF> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> classes,
        double iouThreshold, int topN, Span<int> keep)
    {
        int n = boxes.Length;
        if (classes.Length != n)
            throw new ArgumentException($"{classes.Length} class ids for {n} boxes.", nameof(classes));
        if (scores.Length != n)
            throw new ArgumentException($"{scores.Length} scores for {n} boxes.", nameof(scores));
        if (keep.Length < n)
            throw new ArgumentException($"keep holds {keep.Length} indices, needs {n}.", nameof(keep));
        if (topN < 0) throw new ArgumentOutOfRangeException(nameof(topN), $"topN = {topN}: must be >= 0.");
        if (4L * n > VanillaNumelThreshold && topN < n && TryMergedTopN(boxes, scores, classes, iouThreshold, topN, keep, out int count))
            return count;
        return Math.Min(RunBatched(boxes, scores, classes, iouThreshold, keep), topN);
    }

    private bool TryMergedTopN(ReadOnlySpan<BoxF> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> classes,
        double iouThreshold, int topN, Span<int> keep, out int count)
    {
        count = 0;
        int n = boxes.Length;
        // One run per class, classes ascending, scores non-increasing within a run, no NaN (else: the general path).
        int runs = 0;
        for (int i = 0; i < n; i++)
        {
            if (float.IsNaN(scores[i])) return false;
            if (i == 0 || classes[i] != classes[i - 1])
            {
                if (i > 0 && classes[i] < classes[i - 1]) return false;
                runs++;
            }
            else if (!(scores[i - 1] >= scores[i])) return false;
        }
        Grow(n);
        if (_runStart.Length < runs + 1)
        {
            _runStart = new int[runs + 1];
            _runNext = new int[runs];
            _runKept = new int[runs];
        }
        for (int i = 0, r = 0; i < n; i++)
            if (i == 0 || classes[i] != classes[i - 1]) _runStart[r++] = i;
        _runStart[runs] = n;
        for (int r = 0; r < runs; r++)
        {
            _runNext[r] = _runStart[r];
            _runKept[r] = 0;
        }
        float threshold = FloatThreshold(iouThreshold);
        // Kept boxes of run r sit at _x1[_runStart[r] ..] etc. (a run keeps at most its own length).
        while (count <= topN)
        {
            int best = -1;
            for (int r = 0; r < runs; r++)
                if (_runNext[r] < _runStart[r + 1] && (best < 0 || scores[_runNext[r]] > scores[_runNext[best]])) best = r;
            if (best < 0) break;
            int i = _runNext[best]++;
            var b = boxes[i];
            float area = (b.X2 - b.X1) * (b.Y2 - b.Y1);
            int start = _runStart[best], kept = _runKept[best];
            if (OverlapsKept(b, area, start, kept, threshold)) continue;
            (_x1[start + kept], _y1[start + kept], _x2[start + kept], _y2[start + kept], _areas[start + kept]) = (b.X1, b.Y1, b.X2, b.Y2, area);
            _runKept[best] = kept + 1;
            keep[count++] = i;
        }
        for (int k = 1; k < count; k++)
            if (scores[keep[k]] == scores[keep[k - 1]]) return false;
        count = Math.Min(count, topN);
        return true;
    }

    /// <summary>
    /// Whether a kept box of this run overlaps <paramref name="b"/> with IoU above the threshold: the kept box is the
    /// earlier one, so the f32 steps are <see cref="SuppressOverlaps"/>'s (min/max and the area sum commute exactly).
    /// </summary>
    private bool OverlapsKept(in BoxF b, float area, int start, int kept, float threshold)
    {
        var x1 = _x1.AsSpan(start, kept);
        var y1 = _y1.AsSpan(start, kept);
        var x2 = _x2.AsSpan(start, kept);
        var y2 = _y2.AsSpan(start, kept);
        var areas = _areas.AsSpan(start, kept);
        int j = 0;
        if (kept >= Vector<float>.Count)
        {
            Vector<float> bx1 = new(b.X1), by1 = new(b.Y1), bx2 = new(b.X2), by2 = new(b.Y2), ba = new(area), vt = new(threshold);
            for (; j <= kept - Vector<float>.Count; j += Vector<float>.Count)
            {
                var w = Vector.Max(Vector<float>.Zero, Vector.Min(new Vector<float>(x2.Slice(j)), bx2) - Vector.Max(new Vector<float>(x1.Slice(j)), bx1));
                var h = Vector.Max(Vector<float>.Zero, Vector.Min(new Vector<float>(y2.Slice(j)), by2) - Vector.Max(new Vector<float>(y1.Slice(j)), by1));
                var inter = w * h;
                var iou = inter / (new Vector<float>(areas.Slice(j)) + ba - inter);
                if (Vector.GreaterThanAny(iou, vt)) return true;
            }
        }
        for (; j < kept; j++)
        {
            float w = MathF.Max(0f, MathF.Min(x2[j], b.X2) - MathF.Max(x1[j], b.X1));
            float h = MathF.Max(0f, MathF.Min(y2[j], b.Y2) - MathF.Max(y1[j], b.Y1));
            float inter = w * h;
            float iou = inter / (areas[j] + area - inter);
            if (iou > threshold) return true;
        }
        return false;
    }

    /// <summary>
    /// _batched_nms_coordinate_trick: shift each class by class·(max coordinate + 1), in f32 as torchvision does (the
    /// large offsets round small boxes' IoU at about 1e-3 relative for high class ids; parity needs the same rounding).
    /// </summary>
    private int RunCoordinateTrick(ReadOnlySpan<BoxF> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> classes,
        double iouThreshold, Span<int> keep)
    {
        int n = boxes.Length;
        float maxCoordinate = float.NegativeInfinity;
        foreach (var b in boxes)
            maxCoordinate = MathF.Max(maxCoordinate, MathF.Max(MathF.Max(b.X1, b.Y1), MathF.Max(b.X2, b.Y2)));
        if (_shifted.Length < n) _shifted = new BoxF[Math.Max(n, 2 * _shifted.Length)];
        var shifted = _shifted.AsSpan(0, n);
        for (int i = 0; i < n; i++)
        {
            float offset = classes[i] * (maxCoordinate + 1f);
            var b = boxes[i];
            shifted[i] = new BoxF(b.X1 + offset, b.Y1 + offset, b.X2 + offset, b.Y2 + offset);
        }
        return Run(shifted, scores, iouThreshold, keep);
    }

    /// <summary>_batched_nms_vanilla: NMS per class on the subset in index order, then all keeps sorted by score.</summary>
    private int RunPerClass(ReadOnlySpan<BoxF> boxes, ReadOnlySpan<float> scores, ReadOnlySpan<int> classes,
        double iouThreshold, Span<int> keep)
    {
        int n = boxes.Length;
        if (_subset.Length < n)
        {
            _subset = new int[Math.Max(n, 2 * _subset.Length)];
            _subsetKeep = new int[_subset.Length];
        }
        if (_shifted.Length < n)
        {
            _shifted = new BoxF[Math.Max(n, 2 * _shifted.Length)];
            _subsetScores = new float[_shifted.Length];
        }
        int total = 0;
        int minClass = int.MaxValue, maxClass = int.MinValue;
        foreach (int c in classes)
        {
            minClass = Math.Min(minClass, c);
            maxClass = Math.Max(maxClass, c);
        }
        for (int c = minClass; c <= maxClass; c++)
        {
            int m = 0;
            for (int i = 0; i < n; i++)
            {
                if (classes[i] != c) continue;
                _subset[m] = i;
                _shifted[m] = boxes[i];
                _subsetScores[m++] = scores[i];
            }
            if (m == 0) continue;
            int k = Run(_shifted.AsSpan(0, m), _subsetScores.AsSpan(0, m), iouThreshold, _subsetKeep);
            for (int i = 0; i < k; i++) keep[total++] = _subset[_subsetKeep[i]];
        }
        // torchvision sorts the kept indices, ascending, by score with torch's unstable sort; exactly tied scores
        // keep its order only if the same algorithm sorts them.
        keep.Slice(0, total).Sort();
        Grow(total);
        var order = _order.AsSpan(0, total);
        for (int i = 0; i < total; i++) order[i] = new ScoreIndex(scores[keep[i]], keep[i]);
        TorchUnstableSort.SortDescending(order);
        for (int i = 0; i < total; i++) keep[i] = order[i].Index;
        return total;
    }

    /// <summary>Indices 0..n-1 ordered by score descending, ties by index ascending (a stable descending sort).</summary>
    private static void SortByScoreDescending(ReadOnlySpan<float> scores, Span<ScoreIndex> order)
    {
        for (int i = 0; i < order.Length; i++) order[i] = new ScoreIndex(scores[i], i);
        order.Sort(default(ScoreDescending));
    }

    private void Grow(int n)
    {
        if (_order.Length >= n) return;
        int size = Math.Max(n, 2 * _order.Length);
        _order = new ScoreIndex[size];
        _areas = new float[size];
        _x1 = new float[size];
        _y1 = new float[size];
        _x2 = new float[size];
        _y2 = new float[size];
        _suppressed = new int[size];
    }

    internal readonly record struct ScoreIndex(float Score, int Index);

    /// <summary>Score descending, then index ascending: a total order, so the result does not depend on the sort's stability.</summary>
    internal readonly struct ScoreDescending : IComparer<ScoreIndex>
    {
        public int Compare(ScoreIndex a, ScoreIndex b)
        {
            int c = b.Score.CompareTo(a.Score);
            return c != 0 ? c : a.Index.CompareTo(b.Index);
        }
    }
}
