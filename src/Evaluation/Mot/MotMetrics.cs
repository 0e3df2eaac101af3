using MaskStream.Core.Assignment;

namespace MaskStream.Evaluation.Mot;

/// <summary>
/// py-motmetrics' metrics (<c>metrics.create().compute</c>), under its names. <see cref="Motp"/> is
/// the mean distance (1 − IoU) of matches, lower is better. Mostly tracked / lost use py-motmetrics'
/// ratios (tracked ≥ 0.8, &lt; 0.2).
/// </summary>
public sealed record MotMetrics
{
    public int NumFrames { get; init; }
    public int NumMatches { get; init; }
    public int NumSwitches { get; init; }
    public int NumTransfer { get; init; }
    public int NumAscend { get; init; }
    public int NumMigrate { get; init; }
    public int NumFalsePositives { get; init; }
    public int NumMisses { get; init; }
    public int NumDetections { get; init; }
    public int NumObjects { get; init; }
    public int NumPredictions { get; init; }
    public int NumUniqueObjects { get; init; }
    public int MostlyTracked { get; init; }
    public int PartiallyTracked { get; init; }
    public int MostlyLost { get; init; }
    public int NumFragmentations { get; init; }
    public double Motp { get; init; }
    public double Mota { get; init; }
    public double Precision { get; init; }
    public double Recall { get; init; }
    public int Idfp { get; init; }
    public int Idfn { get; init; }
    public int Idtp { get; init; }
    public double Idp { get; init; }
    public double Idr { get; init; }
    public double Idf1 { get; init; }

    /// <summary>Accumulates a sequence with IoU distances (pairs with IoU below 1 − maxIou cannot match) and computes its metrics.</summary>
    public static MotMetrics Evaluate(MotSequence sequence, double maxIou = 0.5)
    {
        var acc = new MotAccumulator();
        foreach (var frame in sequence.Frames)
            acc.Update(frame, maxIou);
        return Compute(acc);
    }

    public static MotMetrics Compute(MotAccumulator acc)
    {
        int matches = 0, switches = 0, transfer = 0, ascend = 0, migrate = 0, fp = 0, misses = 0;
        // "noraw" events (MATCH, SWITCH, MISS, FP) per object in event order, for frequencies and fragmentation.
        var perObject = new Dictionary<long, List<bool>>(); // true = not a miss
        var distances = new List<double>();
        int predictions = 0;
        foreach (var e in acc.Events)
        {
            switch (e.Type)
            {
                case MotEventType.Match: matches++; break;
                case MotEventType.Switch: switches++; break;
                case MotEventType.Miss: misses++; break;
                case MotEventType.FalsePositive: fp++; break;
                case MotEventType.Transfer: transfer++; continue;
                case MotEventType.Ascend: ascend++; continue;
                case MotEventType.Migrate: migrate++; continue;
            }
            // pandas sums D with NaN as 0, pairwise over the noraw column.
            distances.Add(double.IsNaN(e.Distance) ? 0 : e.Distance);
            if (e.HypothesisId is not null)
                predictions++;
            if (e.ObjectId is { } o)
            {
                if (!perObject.TryGetValue(o, out var list))
                    perObject[o] = list = [];
                list.Add(e.Type != MotEventType.Miss);
            }
        }

        int objects = 0, mostlyTracked = 0, partiallyTracked = 0, mostlyLost = 0, fragmentations = 0;
        foreach (var states in perObject.Values)
        {
            objects += states.Count;
            int tracked = states.Count(s => s);
            double ratio = (double)tracked / states.Count;
            if (ratio >= 0.8) mostlyTracked++;
            else if (ratio >= 0.2) partiallyTracked++;
            else mostlyLost++;
            fragmentations += Fragmentations(states);
        }

        int detections = matches + switches;
        var (idfp, idfn) = IdGlobalAssignment(acc);
        int idtp = objects - idfn;
        return WithRatios(new MotMetrics
        {
            NumFrames = acc.FrameCount,
            NumMatches = matches,
            NumSwitches = switches,
            NumTransfer = transfer,
            NumAscend = ascend,
            NumMigrate = migrate,
            NumFalsePositives = fp,
            NumMisses = misses,
            NumDetections = detections,
            NumObjects = objects,
            NumPredictions = predictions,
            NumUniqueObjects = perObject.Count,
            MostlyTracked = mostlyTracked,
            PartiallyTracked = partiallyTracked,
            MostlyLost = mostlyLost,
            NumFragmentations = fragmentations,
            Motp = NumpySum.Sum(distances.ToArray()) / detections,
            Idfp = idfp,
            Idfn = idfn,
            Idtp = idtp,
        });
    }

    /// <summary>
    /// compute_overall: counts add up over sequences (the ID counts too, each from its own
    /// sequence's assignment); ratios are recomputed from the sums, MOTP weighted by detections.
    /// </summary>
    public static MotMetrics Combine(IReadOnlyList<MotMetrics> parts)
    {
        int Sum(Func<MotMetrics, int> f) => parts.Sum(f);
        int detections = Sum(m => m.NumDetections), objects = Sum(m => m.NumObjects), fp = Sum(m => m.NumFalsePositives);
        int misses = Sum(m => m.NumMisses), switches = Sum(m => m.NumSwitches);
        int idtp = Sum(m => m.Idtp), idfp = Sum(m => m.Idfp), idfn = Sum(m => m.Idfn), predictions = Sum(m => m.NumPredictions);
        double motpSum = 0;
        foreach (var m in parts)
            if (m.NumDetections > 0)
                motpSum += m.Motp * m.NumDetections;
        return WithRatios(new MotMetrics
        {
            NumFrames = Sum(m => m.NumFrames),
            NumMatches = Sum(m => m.NumMatches),
            NumSwitches = switches,
            NumTransfer = Sum(m => m.NumTransfer),
            NumAscend = Sum(m => m.NumAscend),
            NumMigrate = Sum(m => m.NumMigrate),
            NumFalsePositives = fp,
            NumMisses = misses,
            NumDetections = detections,
            NumObjects = objects,
            NumPredictions = predictions,
            NumUniqueObjects = Sum(m => m.NumUniqueObjects),
            MostlyTracked = Sum(m => m.MostlyTracked),
            PartiallyTracked = Sum(m => m.PartiallyTracked),
            MostlyLost = Sum(m => m.MostlyLost),
            NumFragmentations = Sum(m => m.NumFragmentations),
            Motp = motpSum / detections,
            Idfp = idfp,
            Idfn = idfn,
            Idtp = idtp,
        });
    }

    /// <summary>The ratios py-motmetrics derives from the counts (the same for one sequence and for the overall row).</summary>
    private static MotMetrics WithRatios(MotMetrics m) => m with
    {
        Mota = 1.0 - (double)(m.NumMisses + m.NumSwitches + m.NumFalsePositives) / m.NumObjects,
        Precision = (double)m.NumDetections / (m.NumFalsePositives + m.NumDetections),
        Recall = (double)m.NumDetections / m.NumObjects,
        Idp = (double)m.Idtp / (m.Idtp + m.Idfp),
        Idr = (double)m.Idtp / (m.Idtp + m.Idfn),
        Idf1 = 2.0 * m.Idtp / (m.NumObjects + m.NumPredictions),
    };

    /// <summary>Tracked → missed transitions between an object's first and last tracked frame.</summary>
    private static int Fragmentations(List<bool> notMissed)
    {
        int first = notMissed.IndexOf(true), last = notMissed.LastIndexOf(true);
        if (first < 0)
            return 0;
        int count = 0;
        for (int i = first + 1; i <= last; i++)
            if (notMissed[i - 1] && !notMissed[i])
                count++;
        return count;
    }

    /// <summary>
    /// id_global_assignment: objects and hypotheses sorted by id, an (O+H)² matrix of FN + FP costs
    /// with a dummy partner per id, solved with SciPy's assignment (NaN blocks are forbidden pairs).
    /// </summary>
    private static (int Idfp, int Idfn) IdGlobalAssignment(MotAccumulator acc)
    {
        long[] oids = [.. acc.ObjectFrameCounts.Keys.Order()];
        long[] hids = [.. acc.HypothesisFrameCounts.Keys.Order()];
        int no = oids.Length, nh = hids.Length, n = no + nh;
        if (n == 0)
            return (0, 0);
        var oIndex = new Dictionary<long, int>();
        for (int i = 0; i < no; i++) oIndex[oids[i]] = i;
        var hIndex = new Dictionary<long, int>();
        for (int i = 0; i < nh; i++) hIndex[hids[i]] = i;

        var fp = new double[n * n];
        var fn = new double[n * n];
        for (int r = no; r < n; r++)
            for (int c = 0; c < nh; c++)
                fp[r * n + c] = double.NaN;
        for (int r = 0; r < no; r++)
            for (int c = nh; c < n; c++)
                fn[r * n + c] = double.NaN;
        for (int r = 0; r < no; r++)
        {
            double oc = acc.ObjectFrameCounts[oids[r]];
            for (int c = 0; c < nh; c++)
                fn[r * n + c] = oc;
            fn[r * n + nh + r] = oc;
        }
        for (int c = 0; c < nh; c++)
        {
            double hc = acc.HypothesisFrameCounts[hids[c]];
            for (int r = 0; r < no; r++)
                fp[r * n + c] = hc;
            fp[(c + no) * n + c] = hc;
        }
        foreach (var ((o, h), ex) in acc.PairCounts)
        {
            int r = oIndex[o], c = hIndex[h];
            fp[r * n + c] -= ex;
            fn[r * n + c] -= ex;
        }
        var costs = new double[n * n];
        for (int k = 0; k < costs.Length; k++)
            costs[k] = fp[k] + fn[k];
        var colForRow = new int[n];
        var rowForCol = new int[n];
        new LinearAssignment().Solve(costs, n, n, colForRow, rowForCol);
        double idfp = 0, idfn = 0;
        for (int r = 0; r < n; r++)
        {
            int c = colForRow[r];
            if (c < 0)
                continue;
            idfp += fp[r * n + c];
            idfn += fn[r * n + c];
        }
        return ((int)idfp, (int)idfn);
    }
}
