using System.Globalization;

namespace MaskStream.Evaluation.Mot;

/// <summary>
/// MOTChallenge text files: one box per line, <c>frame,id,x,y,w,h[,conf/flag,class,visibility,…]</c>,
/// comma separated (spaces around values allowed), x,y,w,h in continuous pixels. <see cref="Read"/> uses every
/// row, whatever its flag, class or visibility, unless <c>classes</c> is given: then only rows whose 8th
/// column (class) is one of them are kept. <see cref="ReadGroundTruth"/> also sets apart the rows whose 7th
/// column (MOTChallenge's "consider" flag) is 0, to be ignored (see <see cref="IgnoredObjects"/>); our synthetic
/// gt.txt is <c>frame,id,x,y,w,h,consider,class,visibility</c>.
/// </summary>
public static class MotChallengeFile
{
    private static readonly string[] Columns = ["frame", "id", "x", "y", "w", "h", "conf", "class", "visibility"];

    /// <summary>Rows grouped by frame, in file order.</summary>
    public static Dictionary<int, List<MotObject>> Read(string path, IReadOnlySet<int>? classes = null) =>
        ReadRows(path, classes, ignored: null);

    /// <summary>
    /// Ground truth: the rows to score, and apart from them (<paramref name="ignored"/>) the rows whose 7th column is 0,
    /// both grouped by frame; <paramref name="classes"/> filters both.
    /// </summary>
    public static Dictionary<int, List<MotObject>> ReadGroundTruth(string path, IReadOnlySet<int>? classes,
        out Dictionary<int, List<MotObject>> ignored)
    {
        ignored = [];
        return ReadRows(path, classes, ignored);
    }

    private static Dictionary<int, List<MotObject>> ReadRows(string path, IReadOnlySet<int>? classes, Dictionary<int, List<MotObject>>? ignored)
    {
        string name = Path.GetFileName(path);
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvaluationInputException($"{path}: cannot be read: {e.Message}", e);
        }
        var frames = new Dictionary<int, List<MotObject>>();
        for (int n = 0; n < lines.Length; n++)
        {
            string line = lines[n].Trim();
            if (line.Length == 0)
                continue;
            string[] parts = line.Split(',');
            string ctx = $"{name}: line {n + 1}";
            if (parts.Length < 6)
                throw new EvaluationInputException($"{ctx}: expected at least 6 comma-separated fields (frame,id,x,y,w,h), got {parts.Length}.");
            var v = new double[parts.Length];
            for (int k = 0; k < parts.Length; k++)
            {
                if (!double.TryParse(parts[k].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out v[k]) || !double.IsFinite(v[k]))
                {
                    string column = k < Columns.Length ? Columns[k] : $"column {k + 1}";
                    throw new EvaluationInputException($"{ctx}: field {k + 1} ({column}) = '{parts[k].Trim()}' is not a number.");
                }
            }
            if (v[0] != Math.Floor(v[0]) || v[0] < 0 || v[0] > int.MaxValue)
                throw new EvaluationInputException($"{ctx}: field 1 (frame) = '{parts[0].Trim()}' must be a non-negative integer.");
            if (v[1] != Math.Floor(v[1]))
                throw new EvaluationInputException($"{ctx}: field 2 (id) = '{parts[1].Trim()}' must be an integer.");
            if (classes is not null)
            {
                if (parts.Length < 8)
                    throw new EvaluationInputException($"{ctx}: --classes needs field 8 (class), but the line has {parts.Length} fields.");
                if (!classes.Contains((int)v[7]))
                    continue;
            }
            int frame = (int)v[0];
            long id = (long)v[1];
            if (!frames.TryGetValue(frame, out var list))
                frames[frame] = list = [];
            List<MotObject>? ignoredList = null;
            if (ignored is not null && !ignored.TryGetValue(frame, out ignoredList))
                ignored[frame] = ignoredList = [];
            if (list.Exists(o => o.Id == id) || (ignoredList is not null && ignoredList.Exists(o => o.Id == id)))
                throw new EvaluationInputException($"{ctx}: field 2 (id) = {id} appears twice in frame {frame}.");
            var target = ignoredList is not null && parts.Length >= 7 && v[6] == 0 ? ignoredList : list;
            target.Add(new MotObject(id, new MotBox(v[2], v[3], v[4], v[5])));
        }
        return frames;
    }

    /// <summary>
    /// Pairs gt and tracker rows into a sequence covering every frame from the first to the last
    /// frame present in either file (frames with nothing in them count in num_frames).
    /// </summary>
    public static MotSequence ToSequence(string name, Dictionary<int, List<MotObject>> gt, Dictionary<int, List<MotObject>> tracks)
    {
        var all = gt.Keys.Concat(tracks.Keys).ToList();
        var frames = new List<MotFrame>();
        if (all.Count > 0)
        {
            for (int f = all.Min(); f <= all.Max(); f++)
                frames.Add(new MotFrame(f, gt.GetValueOrDefault(f) ?? [], tracks.GetValueOrDefault(f) ?? []));
        }
        return new MotSequence(name, frames);
    }
}
