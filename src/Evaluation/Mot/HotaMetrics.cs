using MaskStream.Core.Assignment;

namespace MaskStream.Evaluation.Mot;

/// <summary>
/// TrackEval's HOTA (trackeval/metrics/hota.py): per α in 0.05, 0.10, …, 0.95 (numpy arange values)
/// detection and association scores; the scalar fields are means over α.
/// </summary>
public sealed record HotaMetrics
{
    private const double Eps = 2.220446049250313e-16;

    /// <summary>np.arange(0.05, 0.99, 0.05): i·0.05 + 0.05 as numpy computes it.</summary>
    public static readonly double[] Alphas = BuildAlphas();

    public required double[] HotaTp { get; init; }
    public required double[] HotaFn { get; init; }
    public required double[] HotaFp { get; init; }
    public required double[] AssA { get; init; }
    public required double[] AssRe { get; init; }
    public required double[] AssPr { get; init; }
    public required double[] LocA { get; init; }
    public double[] DetRe { get; private init; } = [];
    public double[] DetPr { get; private init; } = [];
    public double[] DetA { get; private init; } = [];
    public double[] HotaPerAlpha { get; private init; } = [];

    public double Hota => NumpySum.Mean(HotaPerAlpha);
    public double DetAMean => NumpySum.Mean(DetA);
    public double AssAMean => NumpySum.Mean(AssA);
    public double DetReMean => NumpySum.Mean(DetRe);
    public double DetPrMean => NumpySum.Mean(DetPr);
    public double AssReMean => NumpySum.Mean(AssRe);
    public double AssPrMean => NumpySum.Mean(AssPr);
    public double LocAMean => NumpySum.Mean(LocA);
    public double Hota0 => HotaPerAlpha[0];
    public double LocA0 => LocA[0];
    public double HotaLocA0 => Hota0 * LocA0;

    private static double[] BuildAlphas()
    {
        // numpy arange: length ceil((stop - start) / step), values start + i*step.
        int n = (int)Math.Ceiling((0.99 - 0.05) / 0.05);
        var a = new double[n];
        for (int i = 0; i < n; i++)
            a[i] = 0.05 + i * 0.05;
        return a;
    }

    internal static HotaMetrics Evaluate(TrackEvalData data)
    {
        int na = Alphas.Length;
        double[] tp = new double[na], fn = new double[na], fp = new double[na], locA = new double[na];
        double[] assA = new double[na], assRe = new double[na], assPr = new double[na];
        if (data.NumTrackerDets == 0 || data.NumGtDets == 0)
        {
            Array.Fill(data.NumTrackerDets == 0 ? fn : fp, data.NumTrackerDets == 0 ? data.NumGtDets : data.NumTrackerDets);
            Array.Fill(locA, 1.0);
            return Finish(tp, fn, fp, assA, assRe, assPr, locA);
        }

        int ng = data.NumGtIds, nt = data.NumTrackerIds;
        var potential = new double[ng * nt];
        var gtCount = new double[ng];
        var trCount = new double[nt];
        for (int t = 0; t < data.NumTimesteps; t++)
        {
            int[] g = data.GtIds[t], h = data.TrackerIds[t];
            double[] sim = data.Similarity[t];
            int m = h.Length;
            // similarity.sum(1) runs along contiguous rows (pairwise); sum(0) adds whole rows in order.
            var rowSum = new double[g.Length];
            for (int i = 0; i < g.Length; i++)
                rowSum[i] = NumpySum.Sum(sim.AsSpan(i * m, m));
            var colSum = new double[m];
            for (int i = 0; i < g.Length; i++)
                for (int j = 0; j < m; j++)
                    colSum[j] += sim[i * m + j];
            for (int i = 0; i < g.Length; i++)
            {
                for (int j = 0; j < m; j++)
                {
                    double s = sim[i * m + j];
                    double denom = colSum[j] + rowSum[i] - s;
                    double simIou = denom > 0 + Eps ? s / denom : 0;
                    potential[g[i] * nt + h[j]] += simIou;
                }
            }
            foreach (int i in g) gtCount[i]++;
            foreach (int j in h) trCount[j]++;
        }

        var globalAlignment = new double[ng * nt];
        for (int i = 0; i < ng; i++)
            for (int j = 0; j < nt; j++)
                globalAlignment[i * nt + j] = potential[i * nt + j] / (gtCount[i] + trCount[j] - potential[i * nt + j]);

        var matchesCounts = new double[na][];
        for (int a = 0; a < na; a++)
            matchesCounts[a] = new double[ng * nt];
        var solver = new LinearAssignment();
        for (int t = 0; t < data.NumTimesteps; t++)
        {
            int[] g = data.GtIds[t], h = data.TrackerIds[t];
            if (g.Length == 0)
            {
                for (int a = 0; a < na; a++) fp[a] += h.Length;
                continue;
            }
            if (h.Length == 0)
            {
                for (int a = 0; a < na; a++) fn[a] += g.Length;
                continue;
            }
            double[] sim = data.Similarity[t];
            int m = h.Length;
            var negScore = new double[g.Length * m];
            for (int i = 0; i < g.Length; i++)
                for (int j = 0; j < m; j++)
                    negScore[i * m + j] = -(globalAlignment[g[i] * nt + h[j]] * sim[i * m + j]);
            var colForRow = new int[g.Length];
            var rowForCol = new int[m];
            solver.Solve(negScore, g.Length, m, colForRow, rowForCol);
            for (int a = 0; a < na; a++)
            {
                int matches = 0;
                double locSum = 0;
                // Rows come back in ascending order, as SciPy returns them.
                for (int i = 0; i < g.Length; i++)
                {
                    int j = colForRow[i];
                    if (j < 0 || !(sim[i * m + j] >= Alphas[a] - Eps))
                        continue;
                    matches++;
                    locSum += sim[i * m + j];
                    matchesCounts[a][g[i] * nt + h[j]] += 1;
                }
                tp[a] += matches;
                fn[a] += g.Length - matches;
                fp[a] += m - matches;
                if (matches > 0)
                    locA[a] += locSum;
            }
        }

        for (int a = 0; a < na; a++)
        {
            var mc = matchesCounts[a];
            var termA = new double[ng * nt];
            var termRe = new double[ng * nt];
            var termPr = new double[ng * nt];
            for (int i = 0; i < ng; i++)
            {
                for (int j = 0; j < nt; j++)
                {
                    double c = mc[i * nt + j];
                    termA[i * nt + j] = c * (c / Math.Max(1, gtCount[i] + trCount[j] - c));
                    termRe[i * nt + j] = c * (c / Math.Max(1, gtCount[i]));
                    termPr[i * nt + j] = c * (c / Math.Max(1, trCount[j]));
                }
            }
            double denom = Math.Max(1, tp[a]);
            assA[a] = NumpySum.Sum(termA) / denom;
            assRe[a] = NumpySum.Sum(termRe) / denom;
            assPr[a] = NumpySum.Sum(termPr) / denom;
        }
        for (int a = 0; a < na; a++)
            locA[a] = Math.Max(1e-10, locA[a]) / Math.Max(1e-10, tp[a]);
        return Finish(tp, fn, fp, assA, assRe, assPr, locA);
    }

    /// <summary>combine_sequences: TP/FN/FP summed, association scores and LocA weighted by TP.</summary>
    internal static HotaMetrics Combine(IReadOnlyList<HotaMetrics> parts)
    {
        int na = Alphas.Length;
        double[] tp = new double[na], fn = new double[na], fp = new double[na];
        double[] assA = new double[na], assRe = new double[na], assPr = new double[na], locA = new double[na];
        for (int a = 0; a < na; a++)
        {
            double sA = 0, sRe = 0, sPr = 0, sLoc = 0;
            foreach (var p in parts)
            {
                tp[a] += p.HotaTp[a];
                fn[a] += p.HotaFn[a];
                fp[a] += p.HotaFp[a];
                sA += p.AssA[a] * p.HotaTp[a];
                sRe += p.AssRe[a] * p.HotaTp[a];
                sPr += p.AssPr[a] * p.HotaTp[a];
                sLoc += p.LocA[a] * p.HotaTp[a];
            }
            assA[a] = sA / Math.Max(1.0, tp[a]);
            assRe[a] = sRe / Math.Max(1.0, tp[a]);
            assPr[a] = sPr / Math.Max(1.0, tp[a]);
            locA[a] = Math.Max(1e-10, sLoc) / Math.Max(1e-10, tp[a]);
        }
        return Finish(tp, fn, fp, assA, assRe, assPr, locA);
    }

    private static HotaMetrics Finish(double[] tp, double[] fn, double[] fp, double[] assA, double[] assRe, double[] assPr, double[] locA)
    {
        int na = tp.Length;
        double[] detRe = new double[na], detPr = new double[na], detA = new double[na], hota = new double[na];
        for (int a = 0; a < na; a++)
        {
            detRe[a] = tp[a] / Math.Max(1, tp[a] + fn[a]);
            detPr[a] = tp[a] / Math.Max(1, tp[a] + fp[a]);
            detA[a] = tp[a] / Math.Max(1, tp[a] + fn[a] + fp[a]);
            hota[a] = Math.Sqrt(detA[a] * assA[a]);
        }
        return new HotaMetrics
        {
            HotaTp = tp, HotaFn = fn, HotaFp = fp, AssA = assA, AssRe = assRe, AssPr = assPr, LocA = locA,
            DetRe = detRe, DetPr = detPr, DetA = detA, HotaPerAlpha = hota,
        };
    }
}
