namespace MaskStream.Evaluation.Coco;

/// <summary>
/// COCOeval <c>evaluateImg</c> output for one image, category and area range: detections in
/// descending score order (at most the last maxDets), and per IoU threshold whether each was matched
/// and whether it is ignored. Flat arrays are [T, D].
/// </summary>
internal sealed class ImageEvaluation
{
    public required double[] Scores { get; init; }
    public required bool[] Matched { get; init; }
    public required bool[] Ignored { get; init; }
    public required int NumGtNotIgnored { get; init; }

    /// <summary>
    /// Greedy matching as pycocotools does it: detections by descending score take the best still
    /// free gt at IoU ≥ min(t, 1−1e−10); gts are ordered non-ignored first, a crowd gt can absorb
    /// several detections, and once a detection holds a regular gt it never moves to an ignored one.
    /// </summary>
    /// <param name="ious">[D, G] with gts in their original order, or empty when D or G is 0.</param>
    public static ImageEvaluation Evaluate(IReadOnlyList<EvalObject> gts, IReadOnlyList<EvalObject> dts, double[] ious,
        (double Min, double Max) areaRange, double[] iouThresholds)
    {
        int gCount = gts.Count, dCount = dts.Count, tCount = iouThresholds.Length;
        Span<int> order = gCount <= 256 ? stackalloc int[gCount] : new int[gCount];
        Span<bool> gtIgnore = gCount <= 256 ? stackalloc bool[gCount] : new bool[gCount];
        // Stable sort on the ignore flag: non-ignored gts first, each group in file order.
        int n = 0, notIgnored = 0;
        for (int pass = 0; pass < 2; pass++)
        {
            for (int g = 0; g < gCount; g++)
            {
                var gt = gts[g];
                bool ignore = gt.Ignore || gt.Area < areaRange.Min || gt.Area > areaRange.Max;
                if (ignore == (pass == 1))
                {
                    gtIgnore[n] = ignore;
                    order[n++] = g;
                }
            }
            if (pass == 0)
                notIgnored = n;
        }

        var matched = new bool[tCount * dCount];
        var ignored = new bool[tCount * dCount];
        if (ious.Length > 0)
        {
            Span<bool> gtMatched = gCount <= 256 ? stackalloc bool[gCount] : new bool[gCount];
            for (int t = 0; t < tCount; t++)
            {
                gtMatched.Clear();
                for (int d = 0; d < dCount; d++)
                {
                    double iou = Math.Min(iouThresholds[t], 1 - 1e-10);
                    int m = -1;
                    for (int gi = 0; gi < gCount; gi++)
                    {
                        int g = order[gi];
                        if (gtMatched[gi] && !gts[g].IsCrowd)
                            continue;
                        if (m > -1 && !gtIgnore[m] && gtIgnore[gi])
                            break;
                        double v = ious[d * gCount + g];
                        if (v < iou)
                            continue;
                        iou = v;
                        m = gi;
                    }
                    if (m == -1)
                        continue;
                    ignored[t * dCount + d] = gtIgnore[m];
                    matched[t * dCount + d] = true;
                    gtMatched[m] = true;
                }
            }
        }

        var scores = new double[dCount];
        for (int d = 0; d < dCount; d++)
        {
            scores[d] = dts[d].Score;
            double area = dts[d].Area;
            if (area < areaRange.Min || area > areaRange.Max)
            {
                // Unmatched detections outside the area range do not count as false positives.
                for (int t = 0; t < tCount; t++)
                    if (!matched[t * dCount + d])
                        ignored[t * dCount + d] = true;
            }
        }
        return new ImageEvaluation { Scores = scores, Matched = matched, Ignored = ignored, NumGtNotIgnored = notIgnored };
    }
}
