using MaskStream.Core.Assignment;

namespace MaskStream.Evaluation.Mot;

/// <summary>
/// Ground-truth objects that are neither to be found nor to be held against a tracker that finds them:
/// MOTChallenge's rows marked 0 in the 7th column. They get TrackEval's treatment of MOT17's distractors
/// (<c>MotChallenge2DBox.get_preprocessed_seq_data</c>): per frame, tracker boxes are matched to all
/// ground-truth boxes, scored and ignored alike (Hungarian on IoU, pairs below 0.5 left out); tracker boxes
/// matched to an ignored object are removed, and the ignored objects themselves are not scored.
/// </summary>
public static class IgnoredObjects
{
    private const double Eps = 2.220446049250313e-16; // np.finfo(float).eps

    /// <summary>The tracker boxes of a frame that remain once those matched to <paramref name="ignored"/> objects are removed.</summary>
    public static IReadOnlyList<MotObject> RemoveMatched(IReadOnlyList<MotObject> scored, IReadOnlyList<MotObject> ignored,
        IReadOnlyList<MotObject> hypotheses)
    {
        if (ignored.Count == 0 || hypotheses.Count == 0) return hypotheses;
        int rows = scored.Count + ignored.Count, cols = hypotheses.Count;
        var cost = new double[rows * cols];
        for (int i = 0; i < rows; i++)
        {
            var g = i < scored.Count ? scored[i].Box : ignored[i - scored.Count].Box;
            for (int j = 0; j < cols; j++)
            {
                // linear_sum_assignment(-matching_scores), with scores below 0.5 set to 0.
                double s = BoxIou.TrackEval(g, hypotheses[j].Box);
                cost[i * cols + j] = s < 0.5 - Eps ? 0 : -s;
            }
        }
        var colForRow = new int[rows];
        var rowForCol = new int[cols];
        new LinearAssignment().Solve(cost, rows, cols, colForRow, rowForCol);
        var kept = new List<MotObject>(cols);
        for (int j = 0; j < cols; j++)
        {
            int i = rowForCol[j];
            bool removed = i >= scored.Count && -cost[i * cols + j] > Eps;
            if (!removed) kept.Add(hypotheses[j]);
        }
        return kept;
    }

    /// <summary><see cref="RemoveMatched"/> on every frame of <paramref name="sequence"/>, with each frame's ignored objects.</summary>
    public static MotSequence Apply(MotSequence sequence, IReadOnlyDictionary<int, List<MotObject>> ignored)
    {
        var frames = new List<MotFrame>(sequence.Frames.Count);
        foreach (var f in sequence.Frames)
            frames.Add(ignored.TryGetValue(f.Frame, out var list) ? f with { Hyp = RemoveMatched(f.Gt, list, f.Hyp) } : f);
        return new MotSequence(sequence.Name, frames);
    }
}
