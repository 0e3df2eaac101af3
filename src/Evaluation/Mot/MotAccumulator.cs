using MaskStream.Core.Assignment;

namespace MaskStream.Evaluation.Mot;

/// <summary>
/// py-motmetrics' <c>MOTAccumulator</c> (auto_id off, max_switch_time infinite). Per frame:
/// 1. objects keep the hypothesis they were last matched to when that pair is still allowed
///    (finite distance); 2. the rest are matched by a minimum-cost assignment (SciPy's solver, ties
///    included) and a match to a different hypothesis than the object's last one is a SWITCH;
/// 3. unmatched objects are MISSes and unmatched hypotheses FPs. TRANSFER, ASCEND and MIGRATE are
/// recorded as in py-motmetrics. The RAW events are kept only as the counts the ID metrics need.
/// </summary>
public sealed class MotAccumulator
{
    private readonly List<MotEvent> _events = [];
    private readonly Dictionary<long, long> _m = [];        // object → last matched hypothesis
    private readonly Dictionary<long, long> _resM = [];     // hypothesis → last matched object
    private readonly HashSet<long> _lastMatch = [];         // objects matched at least once
    private readonly HashSet<long> _hypHistory = [];        // hypotheses matched at least once
    private readonly LinearAssignment _solver = new();
    private readonly HashSet<int> _frames = [];

    internal Dictionary<long, int> ObjectFrameCounts { get; } = [];
    internal Dictionary<long, int> HypothesisFrameCounts { get; } = [];
    /// <summary>Frames in which an (object, hypothesis) pair had a finite distance (RAW events with D).</summary>
    internal Dictionary<(long O, long H), int> PairCounts { get; } = [];

    public IReadOnlyList<MotEvent> Events => _events;
    public int FrameCount => _frames.Count;

    /// <summary>Adds one frame.</summary>
    /// <param name="distances">[objects, hypotheses] row-major; NaN (or +inf) forbids a pair.</param>
    public void Update(int frame, IReadOnlyList<long> objectIds, IReadOnlyList<long> hypothesisIds, ReadOnlySpan<double> distances)
    {
        int no = objectIds.Count, nh = hypothesisIds.Count;
        if (distances.Length != no * nh)
            throw new ArgumentException($"distances has {distances.Length} entries, expected {no}x{nh}.", nameof(distances));
        _frames.Add(frame);
        CountRaw(objectIds, hypothesisIds, distances);

        var d = distances.ToArray();
        var oMasked = new bool[no];
        var hMasked = new bool[nh];
        if (no > 0 && nh > 0)
        {
            // 1. Re-establish previous correspondences.
            for (int i = 0; i < no; i++)
            {
                if (!_m.TryGetValue(objectIds[i], out long hPrev))
                    continue;
                int j = -1;
                for (int c = 0; c < nh; c++)
                {
                    if (!hMasked[c] && hypothesisIds[c] == hPrev)
                    {
                        j = c;
                        break;
                    }
                }
                if (j < 0 || !double.IsFinite(d[i * nh + j]))
                    continue;
                oMasked[i] = true;
                hMasked[j] = true;
                _events.Add(new MotEvent(frame, MotEventType.Match, objectIds[i], hypothesisIds[j], d[i * nh + j]));
                _lastMatch.Add(objectIds[i]);
                _hypHistory.Add(hypothesisIds[j]);
            }

            // 2. Minimum-cost assignment of the rest.
            for (int i = 0; i < no; i++)
                for (int j = 0; j < nh; j++)
                    if (oMasked[i] || hMasked[j])
                        d[i * nh + j] = double.NaN;
            var colForRow = new int[no];
            var rowForCol = new int[nh];
            _solver.Solve(d, no, nh, colForRow, rowForCol);
            for (int i = 0; i < no; i++)
            {
                int j = colForRow[i];
                if (j < 0)
                    continue;
                long o = objectIds[i], h = hypothesisIds[j];
                double dist = d[i * nh + j];
                bool isSwitch = _m.TryGetValue(o, out long mo) && mo != h;
                if (isSwitch && !_hypHistory.Contains(h))
                    _events.Add(new MotEvent(frame, MotEventType.Ascend, o, h, dist));
                bool isTransfer = _resM.TryGetValue(h, out long rh) && rh != o;
                if (isTransfer)
                {
                    if (!_lastMatch.Contains(o))
                        _events.Add(new MotEvent(frame, MotEventType.Migrate, o, h, dist));
                    _events.Add(new MotEvent(frame, MotEventType.Transfer, o, h, dist));
                }
                _hypHistory.Add(h);
                _lastMatch.Add(o);
                _events.Add(new MotEvent(frame, isSwitch ? MotEventType.Switch : MotEventType.Match, o, h, dist));
                oMasked[i] = true;
                hMasked[j] = true;
                _m[o] = h;
                _resM[h] = o;
            }
        }

        // 3. Remaining objects are missed, 4. remaining hypotheses are false alarms.
        for (int i = 0; i < no; i++)
            if (!oMasked[i])
                _events.Add(new MotEvent(frame, MotEventType.Miss, objectIds[i], null, double.NaN));
        for (int j = 0; j < nh; j++)
            if (!hMasked[j])
                _events.Add(new MotEvent(frame, MotEventType.FalsePositive, null, hypothesisIds[j], double.NaN));
    }

    /// <summary>Adds one frame of boxes with py-motmetrics' <c>iou_matrix(gt, hyp, max_iou)</c> distances.</summary>
    public void Update(MotFrame frame, double maxIou = 0.5)
    {
        var d = BoxIou.DistanceMatrix(frame.Gt, frame.Hyp, maxIou);
        Update(frame.Frame, frame.Gt.Select(g => g.Id).ToArray(), frame.Hyp.Select(h => h.Id).ToArray(), d);
    }

    private void CountRaw(IReadOnlyList<long> objectIds, IReadOnlyList<long> hypothesisIds, ReadOnlySpan<double> distances)
    {
        // Unique frames per id, as extract_counts_from_df_map counts them (nunique over FrameId).
        foreach (long o in objectIds.Distinct())
            ObjectFrameCounts[o] = ObjectFrameCounts.GetValueOrDefault(o) + 1;
        foreach (long h in hypothesisIds.Distinct())
            HypothesisFrameCounts[h] = HypothesisFrameCounts.GetValueOrDefault(h) + 1;
        int nh = hypothesisIds.Count;
        for (int i = 0; i < objectIds.Count; i++)
            for (int j = 0; j < nh; j++)
                if (double.IsFinite(distances[i * nh + j]))
                    PairCounts[(objectIds[i], hypothesisIds[j])] = PairCounts.GetValueOrDefault((objectIds[i], hypothesisIds[j])) + 1;
    }
}
