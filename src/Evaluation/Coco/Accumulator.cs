namespace MaskStream.Evaluation.Coco;

/// <summary>COCOeval <c>accumulate</c> for one category: 101-point interpolated precision and max recall.</summary>
internal static class Accumulator
{
    private const double Eps = 2.220446049250313e-16; // np.spacing(1)

    /// <param name="cells">the category's cells in ascending image order.</param>
    /// <param name="precision">[T, R, K, A, M], pre-filled with −1.</param>
    /// <param name="recall">[T, K, A, M], pre-filled with −1.</param>
    public static void Accumulate(List<Cell> cells, int k, CocoEvalParams p, int[] maxDets, double[] precision, double[] recall, int kCount)
    {
        if (cells.Count == 0)
            return;
        int tCount = p.IouThresholds.Length, rCount = p.RecallThresholds.Length;
        int aCount = p.AreaRanges.Length, mCount = maxDets.Length;
        double[] recThrs = p.RecallThresholds;
        for (int a = 0; a < aCount; a++)
        {
            int npig = 0;
            foreach (var cell in cells)
                npig += cell.Evaluations[a].NumGtNotIgnored;
            if (npig == 0)
                continue;
            for (int m = 0; m < mCount; m++)
            {
                int maxDet = maxDets[m];
                int total = 0;
                foreach (var cell in cells)
                    total += Math.Min(cell.Evaluations[a].Scores.Length, maxDet);

                // Concatenate in image order, then a stable sort by descending score (mergesort on -score).
                var scores = new double[total];
                var source = new (ImageEvaluation Eval, int D)[total];
                int n = 0;
                foreach (var cell in cells)
                {
                    var e = cell.Evaluations[a];
                    int take = Math.Min(e.Scores.Length, maxDet);
                    for (int d = 0; d < take; d++)
                    {
                        scores[n] = -e.Scores[d];
                        source[n++] = (e, d);
                    }
                }
                var order = new int[total];
                for (int i = 0; i < total; i++)
                    order[i] = i;
                Array.Sort(order, (x, y) => scores[x] != scores[y] ? scores[x].CompareTo(scores[y]) : x.CompareTo(y));

                var rc = new double[total];
                var pr = new double[total];
                for (int t = 0; t < tCount; t++)
                {
                    double tp = 0, fp = 0;
                    int nd = 0;
                    for (int i = 0; i < total; i++)
                    {
                        var (e, d) = source[order[i]];
                        int dCount = e.Scores.Length;
                        bool ignored = e.Ignored[t * dCount + d];
                        bool matched = e.Matched[t * dCount + d];
                        // tp/fp are cumulative sums over all detections, ignored ones add to neither.
                        if (!ignored)
                        {
                            if (matched) tp++;
                            else fp++;
                        }
                        rc[nd] = tp / npig;
                        pr[nd] = tp / (fp + tp + Eps);
                        nd++;
                    }
                    int ri = ((t * kCount + k) * aCount + a) * mCount + m;
                    recall[ri] = nd > 0 ? rc[nd - 1] : 0;

                    for (int i = nd - 1; i > 0; i--)
                        if (pr[i] > pr[i - 1])
                            pr[i - 1] = pr[i];

                    // q[r] = pr[searchsorted(rc, recThrs[r], 'left')], and 0 from the first index past the end.
                    int pi = 0;
                    for (int r = 0; r < rCount; r++)
                    {
                        while (pi < nd && rc[pi] < recThrs[r])
                            pi++;
                        precision[(((t * rCount + r) * kCount + k) * aCount + a) * mCount + m] = pi < nd ? pr[pi] : 0;
                        if (pi >= nd)
                        {
                            for (int r2 = r + 1; r2 < rCount; r2++)
                                precision[(((t * rCount + r2) * kCount + k) * aCount + a) * mCount + m] = 0;
                            break;
                        }
                    }
                }
            }
        }
    }
}
