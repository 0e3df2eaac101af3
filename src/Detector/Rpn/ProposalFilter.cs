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
    private Nms.ScoreIndex[] _top = [];
    private readonly int[] _histogram = new int[1 << 16];
    private ulong[] _keys = [];
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
            var top = _top.AsSpan(0, k);
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
    /// index (torch.topk leaves their order unspecified). The order (logit descending, index ascending; -0 equal to +0,
    /// NaN below everything, as <see cref="float.CompareTo(float)"/>) is total, so the k kept are unique. A radix
    /// select: one pass counts the logits by the top 16 bits of an order-preserving key, which gives the bucket the
    /// k-th falls in; a second pass gathers every logit from that bucket up as one 64-bit key each (logit key, then
    /// index), and only those (k plus the bucket's few) are sorted. The bounded heap this replaces sifted a few thousand
    /// items per level and sorted k with a comparer: the proposals stage of a 640x480 frame of the shipped model fell from
    /// 1.24 to 0.64 ms CPU at one thread (docs/PERFORMANCE.md).
    /// </summary>
    internal void TopK(in RpnLevel level, Span<Nms.ScoreIndex> top)
    {
        var logits = level.Objectness.Span; // [A, h, w]
        int a = level.AnchorsPerLocation, plane = level.Grid.Height * level.Grid.Width, n = a * plane, k = top.Length;
        if (k == 0) return;
        uint floor = 0; // the boundary bucket's first key: everything at or above it is gathered
        if (k < n)
        {
            var histogram = _histogram.AsSpan();
            histogram.Clear();
            for (int i = 0; i < n; i++) histogram[(int)(OrderKey(logits[i]) >> 16)]++;
            int above = 0, bucket = histogram.Length - 1;
            while (above + histogram[bucket] < k) above += histogram[bucket--];
            floor = (uint)bucket << 16;
            if (_keys.Length < above + histogram[bucket]) _keys = new ulong[Math.Max(above + histogram[bucket], 2 * _keys.Length)];
        }
        else if (_keys.Length < n)
        {
            _keys = new ulong[Math.Max(n, 2 * _keys.Length)];
        }
        // Ascending 64-bit keys = logit descending (complemented key in the high half), then index ascending.
        int m = 0;
        var keys = _keys.AsSpan();
        for (int j = 0; j < a; j++)
        {
            var row = logits.Slice(j * plane, plane);
            for (int p = 0; p < row.Length; p++)
            {
                uint key = OrderKey(row[p]);
                if (key >= floor) keys[m++] = ((ulong)~key << 32) | (uint)(p * a + j);
            }
        }
        keys = keys[..m];
        keys.Sort();
        for (int i = 0; i < k; i++)
        {
            int index = (int)(uint)keys[i];
            top[i] = new Nms.ScoreIndex(logits[index % a * plane + index / a], index);
        }
    }

    /// <summary>
    /// An unsigned key in the order of <see cref="float.CompareTo(float)"/>: NaN lowest (0), −0 equal to +0, then the IEEE
    /// bit pattern made monotonic (negative values complemented, the sign bit set on the others).
    /// </summary>
    internal static uint OrderKey(float x)
    {
        if (float.IsNaN(x)) return 0;
        uint bits = BitConverter.SingleToUInt32Bits(x);
        if (bits == 0x8000_0000u) bits = 0;
        return bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u);
    }

    private void Grow(int n)
    {
        if (_boxes.Length >= n) return;
        _top = new Nms.ScoreIndex[n];
        _boxes = new BoxF[n];
        _scores = new float[n];
        _levels = new int[n];
        _keep = new int[n];
    }
}
