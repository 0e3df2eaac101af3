namespace MaskStream.Evaluation.Mot;

/// <summary>
/// A sequence as TrackEval's metrics take it: ids renumbered 0..n−1 in ascending order of the
/// original id, and per timestep the gt × tracker similarity (TrackEval's xywh box IoU).
/// </summary>
internal sealed class TrackEvalData
{
    public int NumTimesteps;
    public int NumGtIds;
    public int NumTrackerIds;
    public int NumGtDets;
    public int NumTrackerDets;
    public int[][] GtIds = [];
    public int[][] TrackerIds = [];
    /// <summary>Per timestep, [gt, tracker] row-major.</summary>
    public double[][] Similarity = [];

    public static TrackEvalData From(MotSequence sequence)
    {
        var gtIdMap = Renumber(sequence.Frames.SelectMany(f => f.Gt).Select(o => o.Id));
        var trIdMap = Renumber(sequence.Frames.SelectMany(f => f.Hyp).Select(o => o.Id));
        int t = sequence.Frames.Count;
        var data = new TrackEvalData
        {
            NumTimesteps = t,
            NumGtIds = gtIdMap.Count,
            NumTrackerIds = trIdMap.Count,
            GtIds = new int[t][],
            TrackerIds = new int[t][],
            Similarity = new double[t][],
        };
        for (int k = 0; k < t; k++)
        {
            var f = sequence.Frames[k];
            data.GtIds[k] = [.. f.Gt.Select(o => gtIdMap[o.Id])];
            data.TrackerIds[k] = [.. f.Hyp.Select(o => trIdMap[o.Id])];
            data.NumGtDets += f.Gt.Count;
            data.NumTrackerDets += f.Hyp.Count;
            var sim = new double[f.Gt.Count * f.Hyp.Count];
            for (int i = 0; i < f.Gt.Count; i++)
                for (int j = 0; j < f.Hyp.Count; j++)
                    sim[i * f.Hyp.Count + j] = BoxIou.TrackEval(f.Gt[i].Box, f.Hyp[j].Box);
            data.Similarity[k] = sim;
        }
        return data;
    }

    private static Dictionary<long, int> Renumber(IEnumerable<long> ids)
    {
        var map = new Dictionary<long, int>();
        foreach (long id in ids.Distinct().Order())
            map[id] = map.Count;
        return map;
    }
}
