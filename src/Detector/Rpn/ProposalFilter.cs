using System.Numerics;
using MaskStream.Core.Geometry;

namespace MaskStream.Detector.Rpn;

/// <summary>
/// torchvision RegionProposalNetwork.filter_proposals for one image (rpn.py), PARITY §6: per level the top
/// PreNmsTopN by objectness logit, decode, sigmoid, clip to the unpadded resized image, remove small, score
/// threshold, NMS per level (batched_nms with the level as class), then the first PostNmsTopN by score.
/// Scratch belongs to the instance and only grows. One call at a time per instance.
/// </summary>
public sealed class ProposalFilter(RpnOptions options)
{
    private readonly Nms _nms = new();
    private Nms.ScoreIndex[] _heap = [];
    private BoxF[] _boxes = [];
    private float[] _scores = [];
    private int[] _levels = [];
    private int[] _keep = [];

    public RpnOptions Options { get; } = options;

    /// <summary>
    /// Writes the proposals (xyxy, resized-input pixels) and their sigmoid scores in score order; returns their count
    /// (at most PostNmsTopN).
    /// </summary>
    /// <param name="levels">This image's RPN outputs, levels in anchor order.</param>
    /// <param name="anchors">All anchors, levels concatenated (AnchorGenerator.Anchors).</param>
    /// <param name="imageHeight">Unpadded resized image height (clip bound).</param>
    /// <param name="imageWidth">Unpadded resized image width.</param>
    public int Filter(ReadOnlySpan<RpnLevel> levels, ReadOnlySpan<BoxF> anchors, int imageHeight, int imageWidth,
        Span<BoxF> proposals, Span<float> scores)
    {
        int capacity = 0, total = 0;
        foreach (var l in levels)
        {
            capacity += Math.Min(Options.PreNmsTopN, l.Count);
            total += l.Count;
        }
        if (total != anchors.Length)
            throw new ArgumentException($"{anchors.Length} anchors for {total} RPN outputs.", nameof(anchors));
        Grow(capacity);

        int n = 0, anchorOffset = 0;
        for (int l = 0; l < levels.Length; l++)
        {
            var level = levels[l];
            int k = Math.Min(Options.PreNmsTopN, level.Count);
            var top = _heap.AsSpan(0, k);
            TopK(level, top);
            var deltas = level.Deltas.Span;
            int a = level.AnchorsPerLocation, plane = level.Grid.Height * level.Grid.Width;
            foreach (var candidate in top)
            {
                // Flattened (h, w, a) index → anchor a at cell p; delta channel a·4 + k.
                int p = candidate.Index / a, anchor = candidate.Index % a;
                int d = anchor * 4 * plane + p;
                var box = BoxCoder.Decode(anchors[anchorOffset + candidate.Index], deltas[d], deltas[d + plane],
                    deltas[d + 2 * plane], deltas[d + 3 * plane], Options.Weights, Options.LogScaleClip);
                box = BoxCoder.ClipToImage(box, imageWidth, imageHeight);
                float score = Sigmoid(candidate.Score);
                if (!BoxCoder.IsLargeEnough(box, Options.MinSize) || !(score >= Options.ScoreThresh)) continue;
                _boxes[n] = box;
                _scores[n] = score;
                _levels[n++] = l;
            }
            anchorOffset += level.Count;
        }

        int count = _nms.RunBatchedTopN(_boxes.AsSpan(0, n), _scores.AsSpan(0, n), _levels.AsSpan(0, n), Options.NmsThresh,
            Math.Min(Options.PostNmsTopN, proposals.Length), _keep);
        for (int i = 0; i < count; i++)
        {
            proposals[i] = _boxes[_keep[i]];
            scores[i] = _scores[_keep[i]];
        }
        return count;
    }

    /// <summary>torch.sigmoid in f32.</summary>
    public static float Sigmoid(float x) => 1f / (1f + MathF.Exp(-x));

    /// <summary>
    /// The k largest logits of one level as (logit, flattened (h, w, a) index), sorted descending; ties go to the lower
    /// index (torch.topk leaves their order unspecified). A bounded min-heap: O(n log k), no full sort of the level.
    /// The order (logit descending, index ascending) is total, so the k kept do not depend on the order the logits are
    /// offered in: they are read plane by plane ([A, h, w], contiguous), and 8 at a time are passed over when none
    /// reaches the heap's worst logit.
    /// </summary>
    private static void TopK(in RpnLevel level, Span<Nms.ScoreIndex> top)
    {
        var logits = level.Objectness.Span; // [A, h, w]
        int a = level.AnchorsPerLocation, plane = level.Grid.Height * level.Grid.Width, k = top.Length;
        var order = default(Nms.ScoreDescending);
        int size = 0, lanes = Vector<float>.Count;
        if (k == 0) return;
        for (int j = 0; j < a; j++)
        {
            var row = logits.Slice(j * plane, plane);
            int p = 0;
            while (p < plane)
            {
                if (size == k && p + lanes <= plane)
                {
                    // An equal logit may still win on a lower index, so only values strictly below the root are skipped.
                    if (Vector.LessThanAll(new Vector<float>(row.Slice(p)), new Vector<float>(top[0].Score)))
                    {
                        p += lanes;
                        continue;
                    }
                }
                int end = size == k ? Math.Min(p + lanes, plane) : p + 1;
                for (; p < end; p++)
                {
                    var item = new Nms.ScoreIndex(row[p], p * a + j);
                    if (size < k)
                    {
                        top[size] = item;
                        SiftUp(top, size++);
                    }
                    else if (order.Compare(item, top[0]) < 0)
                    {
                        top[0] = item;
                        SiftDown(top, 0, size);
                    }
                }
            }
        }
        top.Sort(order);
    }

    // Heap root = the worst kept item under ScoreDescending (lowest score, then highest index).
    private static void SiftUp(Span<Nms.ScoreIndex> heap, int i)
    {
        var order = default(Nms.ScoreDescending);
        while (i > 0)
        {
            int parent = (i - 1) / 2;
            if (order.Compare(heap[i], heap[parent]) <= 0) return;
            (heap[i], heap[parent]) = (heap[parent], heap[i]);
            i = parent;
        }
    }

    private static void SiftDown(Span<Nms.ScoreIndex> heap, int i, int size)
    {
        var order = default(Nms.ScoreDescending);
        while (true)
        {
            int left = 2 * i + 1, worst = i;
            if (left < size && order.Compare(heap[left], heap[worst]) > 0) worst = left;
            if (left + 1 < size && order.Compare(heap[left + 1], heap[worst]) > 0) worst = left + 1;
            if (worst == i) return;
            (heap[i], heap[worst]) = (heap[worst], heap[i]);
            i = worst;
        }
    }

    private void Grow(int n)
    {
        if (_boxes.Length >= n) return;
        _heap = new Nms.ScoreIndex[n];
        _boxes = new BoxF[n];
        _scores = new float[n];
        _levels = new int[n];
        _keep = new int[n];
    }
}
