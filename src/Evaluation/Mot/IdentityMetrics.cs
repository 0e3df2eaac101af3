using MaskStream.Core.Assignment;

namespace MaskStream.Evaluation.Mot;

/// <summary>TrackEval's Identity metrics (trackeval/metrics/identity.py): IDF1 from a global gt↔tracker id assignment.</summary>
public sealed record IdentityMetrics
{
    public int Idtp { get; init; }
    public int Idfn { get; init; }
    public int Idfp { get; init; }
    public double Idr => Idtp / Math.Max(1.0, Idtp + Idfn);
    public double Idp => Idtp / Math.Max(1.0, Idtp + Idfp);
    public double Idf1 => Idtp / Math.Max(1.0, Idtp + 0.5 * Idfp + 0.5 * Idfn);

    internal static IdentityMetrics Evaluate(TrackEvalData data, double threshold)
    {
        if (data.NumTrackerDets == 0)
            return new IdentityMetrics { Idfn = data.NumGtDets };
        if (data.NumGtDets == 0)
            return new IdentityMetrics { Idfp = data.NumTrackerDets };
        int ng = data.NumGtIds, nt = data.NumTrackerIds, n = ng + nt;
        var potential = new double[ng * nt];
        var gtCount = new double[ng];
        var trCount = new double[nt];
        for (int t = 0; t < data.NumTimesteps; t++)
        {
            int[] g = data.GtIds[t], h = data.TrackerIds[t];
            for (int i = 0; i < g.Length; i++)
                for (int j = 0; j < h.Length; j++)
                    if (data.Similarity[t][i * h.Length + j] >= threshold)
                        potential[g[i] * nt + h[j]] += 1;
            foreach (int i in g) gtCount[i]++;
            foreach (int j in h) trCount[j]++;
        }
        var fpMat = new double[n * n];
        var fnMat = new double[n * n];
        for (int r = ng; r < n; r++)
            for (int c = 0; c < nt; c++)
                fpMat[r * n + c] = 1e10;
        for (int r = 0; r < ng; r++)
            for (int c = nt; c < n; c++)
                fnMat[r * n + c] = 1e10;
        for (int r = 0; r < ng; r++)
        {
            for (int c = 0; c < nt; c++)
                fnMat[r * n + c] = gtCount[r];
            fnMat[r * n + nt + r] = gtCount[r];
        }
        for (int c = 0; c < nt; c++)
        {
            for (int r = 0; r < ng; r++)
                fpMat[r * n + c] = trCount[c];
            fpMat[(c + ng) * n + c] = trCount[c];
        }
        for (int r = 0; r < ng; r++)
        {
            for (int c = 0; c < nt; c++)
            {
                fnMat[r * n + c] -= potential[r * nt + c];
                fpMat[r * n + c] -= potential[r * nt + c];
            }
        }
        var costs = new double[n * n];
        for (int k = 0; k < costs.Length; k++)
            costs[k] = fnMat[k] + fpMat[k];
        var colForRow = new int[n];
        new LinearAssignment().Solve(costs, n, n, colForRow, new int[n]);
        double idfn = 0, idfp = 0;
        for (int r = 0; r < n; r++)
        {
            idfn += fnMat[r * n + colForRow[r]];
            idfp += fpMat[r * n + colForRow[r]];
        }
        double gtTotal = 0;
        foreach (double c in gtCount) gtTotal += c;
        return new IdentityMetrics { Idfn = (int)idfn, Idfp = (int)idfp, Idtp = (int)(gtTotal - (int)idfn) };
    }

    internal static IdentityMetrics Combine(IReadOnlyList<IdentityMetrics> parts) => new()
    {
        Idtp = parts.Sum(p => p.Idtp),
        Idfn = parts.Sum(p => p.Idfn),
        Idfp = parts.Sum(p => p.Idfp),
    };
}
