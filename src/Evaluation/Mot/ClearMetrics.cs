using MaskStream.Core.Assignment;

namespace MaskStream.Evaluation.Mot;

/// <summary>
/// TrackEval's CLEAR metrics (trackeval/metrics/clear.py). Unlike py-motmetrics, matching favours
/// continuing the previous timestep's pairs by a bonus of 1000 in the score, an ID switch is
/// counted against the last tracker id a gt had (any time before), MT means a tracked ratio
/// strictly above 0.8, and a fragmentation is each re-start of tracking after the first.
/// </summary>
public sealed record ClearMetrics
{
    private const double Eps = 2.220446049250313e-16;

    public int ClrTp { get; init; }
    public int ClrFn { get; init; }
    public int ClrFp { get; init; }
    public int Idsw { get; init; }
    public int MT { get; init; }
    public int PT { get; init; }
    public int ML { get; init; }
    public int Frag { get; init; }
    public double MotpSum { get; init; }
    public int ClrFrames { get; init; }

    public int NumGtIds => MT + ML + PT;
    public double Mtr => MT / Math.Max(1.0, NumGtIds);
    public double Mlr => ML / Math.Max(1.0, NumGtIds);
    public double Ptr => PT / Math.Max(1.0, NumGtIds);
    public double ClrRe => ClrTp / Math.Max(1.0, ClrTp + ClrFn);
    public double ClrPr => ClrTp / Math.Max(1.0, ClrTp + ClrFp);
    public double Moda => (ClrTp - ClrFp) / Math.Max(1.0, ClrTp + ClrFn);
    public double Mota => (ClrTp - ClrFp - Idsw) / Math.Max(1.0, ClrTp + ClrFn);
    /// <summary>Mean IoU of the true positives (higher is better; not py-motmetrics' motp).</summary>
    public double Motp => MotpSum / Math.Max(1.0, ClrTp);
    public double SMota => (MotpSum - ClrFp - Idsw) / Math.Max(1.0, ClrTp + ClrFn);
    public double ClrF1 => ClrTp / Math.Max(1.0, ClrTp + 0.5 * ClrFn + 0.5 * ClrFp);
    public double FpPerFrame => ClrFp / Math.Max(1.0, ClrFrames);
    public double Motal => (ClrTp - ClrFp - (Idsw > 0 ? Math.Log10(Idsw) : Idsw)) / Math.Max(1.0, ClrTp + ClrFn);

    internal static ClearMetrics Evaluate(TrackEvalData data, double threshold)
    {
        if (data.NumTrackerDets == 0)
            return new ClearMetrics { ClrFn = data.NumGtDets, ML = data.NumGtIds, ClrFrames = data.NumTimesteps };
        if (data.NumGtDets == 0)
            return new ClearMetrics { ClrFp = data.NumTrackerDets, ClrFrames = data.NumTimesteps };

        int ng = data.NumGtIds;
        var gtIdCount = new int[ng];
        var gtMatchedCount = new int[ng];
        var gtFragCount = new int[ng];
        // IDSW is scored against the last tracker id a gt had at any time; matching only favours the
        // previous timestep's pairs (-1 = none).
        var prevTrackerId = new int[ng];
        var prevTimestepTrackerId = new int[ng];
        Array.Fill(prevTrackerId, -1);
        Array.Fill(prevTimestepTrackerId, -1);
        int tp = 0, fn = 0, fp = 0, idsw = 0;
        double motpSum = 0;
        var solver = new LinearAssignment();
        var notPreviouslyTracked = new bool[ng];

        for (int t = 0; t < data.NumTimesteps; t++)
        {
            int[] g = data.GtIds[t], h = data.TrackerIds[t];
            if (g.Length == 0)
            {
                fp += h.Length;
                continue;
            }
            if (h.Length == 0)
            {
                fn += g.Length;
                foreach (int i in g) gtIdCount[i]++;
                continue;
            }
            double[] sim = data.Similarity[t];
            int m = h.Length;
            var score = new double[g.Length * m];
            var negScore = new double[g.Length * m];
            for (int i = 0; i < g.Length; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    double s = sim[i * m + j];
                    double v = 1000 * (h[j] == prevTimestepTrackerId[g[i]] ? 1 : 0) + s;
                    if (s < threshold - Eps)
                        v = 0;
                    score[i * m + j] = v;
                    negScore[i * m + j] = -v;
                }
            }
            var colForRow = new int[g.Length];
            var rowForCol = new int[m];
            solver.Solve(negScore, g.Length, m, colForRow, rowForCol);

            var matchedGt = new List<int>();
            var matchedTr = new List<int>();
            double simSum = 0;
            for (int i = 0; i < g.Length; i++)
            {
                int j = colForRow[i];
                if (j < 0 || !(score[i * m + j] > 0 + Eps))
                    continue;
                matchedGt.Add(g[i]);
                matchedTr.Add(h[j]);
                simSum += sim[i * m + j];
            }

            for (int k = 0; k < matchedGt.Count; k++)
            {
                int prev = prevTrackerId[matchedGt[k]];
                if (prev >= 0 && prev != matchedTr[k])
                    idsw++;
            }
            foreach (int i in g) gtIdCount[i]++;
            foreach (int i in matchedGt) gtMatchedCount[i]++;
            for (int i = 0; i < ng; i++)
                notPreviouslyTracked[i] = prevTimestepTrackerId[i] < 0;
            for (int k = 0; k < matchedGt.Count; k++)
                prevTrackerId[matchedGt[k]] = matchedTr[k];
            Array.Fill(prevTimestepTrackerId, -1);
            for (int k = 0; k < matchedGt.Count; k++)
                prevTimestepTrackerId[matchedGt[k]] = matchedTr[k];
            for (int i = 0; i < ng; i++)
                if (notPreviouslyTracked[i] && prevTimestepTrackerId[i] >= 0)
                    gtFragCount[i]++;

            tp += matchedGt.Count;
            fn += g.Length - matchedGt.Count;
            fp += m - matchedGt.Count;
            if (matchedGt.Count > 0)
                motpSum += simSum;
        }

        int mt = 0, ptOrMore = 0, frag = 0;
        for (int i = 0; i < ng; i++)
        {
            if (gtIdCount[i] > 0)
            {
                double ratio = (double)gtMatchedCount[i] / gtIdCount[i];
                if (ratio > 0.8) mt++;
                if (ratio >= 0.2) ptOrMore++;
            }
            if (gtFragCount[i] > 0)
                frag += gtFragCount[i] - 1;
        }
        return new ClearMetrics
        {
            ClrTp = tp, ClrFn = fn, ClrFp = fp, Idsw = idsw, MT = mt, PT = ptOrMore - mt, ML = ng - ptOrMore,
            Frag = frag, MotpSum = motpSum, ClrFrames = data.NumTimesteps,
        };
    }

    /// <summary>combine_sequences: the counts and MOTP_sum add up; ratios follow from the sums.</summary>
    internal static ClearMetrics Combine(IReadOnlyList<ClearMetrics> parts)
    {
        double motpSum = 0;
        foreach (var p in parts)
            motpSum += p.MotpSum;
        return new ClearMetrics
        {
            ClrTp = parts.Sum(p => p.ClrTp), ClrFn = parts.Sum(p => p.ClrFn), ClrFp = parts.Sum(p => p.ClrFp),
            Idsw = parts.Sum(p => p.Idsw), MT = parts.Sum(p => p.MT), PT = parts.Sum(p => p.PT), ML = parts.Sum(p => p.ML),
            Frag = parts.Sum(p => p.Frag), MotpSum = motpSum, ClrFrames = parts.Sum(p => p.ClrFrames),
        };
    }
}
