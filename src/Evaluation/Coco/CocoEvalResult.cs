using System.Globalization;

namespace MaskStream.Evaluation.Coco;

/// <summary>
/// COCOeval's accumulated arrays and summary. <see cref="Precision"/> is [T, R, K, A, M] and
/// <see cref="Recall"/> is [T, K, A, M] (IoU threshold, recall threshold, category, area range,
/// maxDets), −1 where a category has no non-ignored gt, as pycocotools stores them.
/// </summary>
public sealed class CocoEvalResult
{
    private readonly double[] _precision;
    private readonly double[] _recall;

    internal CocoEvalResult(CocoIouType iouType, CocoEvalParams parameters, long[] categoryIds, double[] precision, double[] recall)
    {
        IouType = iouType;
        Parameters = parameters;
        CategoryIds = categoryIds;
        _precision = precision;
        _recall = recall;
        (Stats, SummaryLines) = Summarize();
    }

    public CocoIouType IouType { get; }
    public CocoEvalParams Parameters { get; }
    public IReadOnlyList<long> CategoryIds { get; }
    public ReadOnlySpan<double> Precision => _precision;
    public ReadOnlySpan<double> Recall => _recall;

    /// <summary>COCOeval.stats: 12 values for bbox/segm, 10 for keypoints; −1 where nothing was averaged.</summary>
    public IReadOnlyList<double> Stats { get; }

    /// <summary>The lines <c>summarize()</c> prints, in its format (3 decimals).</summary>
    public IReadOnlyList<string> SummaryLines { get; }

    private int T => Parameters.IouThresholds.Length;
    private int R => Parameters.RecallThresholds.Length;
    private int K => CategoryIds.Count;
    private int A => Parameters.AreaRanges.Length;
    private int M => Parameters.MaxDets.Length;

    private double PrecisionAt(int t, int r, int k, int a, int m) => _precision[(((t * R + r) * K + k) * A + a) * M + m];
    private double RecallAt(int t, int k, int a, int m) => _recall[((t * K + k) * A + a) * M + m];

    /// <summary>
    /// Mean precision (AP) of one category at area "all" and the largest maxDets, over all IoU
    /// thresholds or at one; −1 when the category has no gt.
    /// </summary>
    public double CategoryAveragePrecision(long categoryId, double? iouThreshold = null)
    {
        int k = CategoryIndex(categoryId);
        var values = new List<double>();
        foreach (int t in ThresholdIndices(iouThreshold))
            for (int r = 0; r < R; r++)
                values.Add(PrecisionAt(t, r, k, 0, M - 1));
        return MeanAboveMinusOne(values);
    }

    /// <summary>Mean recall (AR) of one category over the IoU thresholds, area "all", largest maxDets.</summary>
    public double CategoryAverageRecall(long categoryId)
    {
        int k = CategoryIndex(categoryId);
        var values = new List<double>();
        for (int t = 0; t < T; t++)
            values.Add(RecallAt(t, k, 0, M - 1));
        return MeanAboveMinusOne(values);
    }

    /// <summary>AP over all categories at one IoU threshold index (area "all", largest maxDets).</summary>
    public double AveragePrecisionAtThreshold(int thresholdIndex)
    {
        var values = new List<double>();
        for (int r = 0; r < R; r++)
            for (int k = 0; k < K; k++)
                values.Add(PrecisionAt(thresholdIndex, r, k, 0, M - 1));
        return MeanAboveMinusOne(values);
    }

    private int CategoryIndex(long categoryId)
    {
        for (int k = 0; k < K; k++)
            if (CategoryIds[k] == categoryId)
                return k;
        throw new ArgumentException($"Category {categoryId} is not a category of the ground truth.", nameof(categoryId));
    }

    private IEnumerable<int> ThresholdIndices(double? iouThreshold)
    {
        for (int t = 0; t < T; t++)
            if (iouThreshold is null || Parameters.IouThresholds[t] == iouThreshold)
                yield return t;
    }

    /// <summary>numpy <c>mean(s[s &gt; -1])</c>, or −1 when nothing is left.</summary>
    private static double MeanAboveMinusOne(List<double> values)
    {
        var kept = values.Where(v => v > -1).ToArray();
        return kept.Length == 0 ? -1 : NumpySum.Mean(kept);
    }

    private (double[] Stats, string[] Lines) Summarize()
    {
        var stats = new List<double>();
        var lines = new List<string>();
        void Add(bool ap, double? iouThr = null, string areaRng = "all", int? maxDets = null)
        {
            int md = maxDets ?? 100;
            var (value, line) = SummarizeOne(ap, iouThr, areaRng, md);
            stats.Add(value);
            lines.Add(line);
        }
        int[] m = Parameters.MaxDets;
        if (IouType == CocoIouType.Keypoints)
        {
            Add(true, maxDets: 20);
            Add(true, maxDets: 20, iouThr: .5);
            Add(true, maxDets: 20, iouThr: .75);
            Add(true, maxDets: 20, areaRng: "medium");
            Add(true, maxDets: 20, areaRng: "large");
            Add(false, maxDets: 20);
            Add(false, maxDets: 20, iouThr: .5);
            Add(false, maxDets: 20, iouThr: .75);
            Add(false, maxDets: 20, areaRng: "medium");
            Add(false, maxDets: 20, areaRng: "large");
        }
        else
        {
            Add(true);
            Add(true, iouThr: .5, maxDets: m[2]);
            Add(true, iouThr: .75, maxDets: m[2]);
            Add(true, areaRng: "small", maxDets: m[2]);
            Add(true, areaRng: "medium", maxDets: m[2]);
            Add(true, areaRng: "large", maxDets: m[2]);
            Add(false, maxDets: m[0]);
            Add(false, maxDets: m[1]);
            Add(false, maxDets: m[2]);
            Add(false, areaRng: "small", maxDets: m[2]);
            Add(false, areaRng: "medium", maxDets: m[2]);
            Add(false, areaRng: "large", maxDets: m[2]);
        }
        return (stats.ToArray(), lines.ToArray());
    }

    private (double Value, string Line) SummarizeOne(bool ap, double? iouThr, string areaRng, int maxDets)
    {
        var p = Parameters;
        int a = Array.IndexOf(p.AreaRangeLabels, areaRng);
        int m = Array.IndexOf(p.MaxDets, maxDets);
        var values = new List<double>();
        if (a >= 0 && m >= 0)
        {
            // Same element order as numpy's boolean mask over s[t, r, k] (or s[t, k]).
            foreach (int t in ThresholdIndices(iouThr))
            {
                if (ap)
                {
                    for (int r = 0; r < R; r++)
                        for (int k = 0; k < K; k++)
                            values.Add(PrecisionAt(t, r, k, a, m));
                }
                else
                {
                    for (int k = 0; k < K; k++)
                        values.Add(RecallAt(t, k, a, m));
                }
            }
        }
        double mean = MeanAboveMinusOne(values);
        string title = ap ? "Average Precision" : "Average Recall";
        string type = ap ? "(AP)" : "(AR)";
        string iouStr = iouThr is null
            ? string.Create(CultureInfo.InvariantCulture, $"{p.IouThresholds[0]:0.00}:{p.IouThresholds[^1]:0.00}")
            : iouThr.Value.ToString("0.00", CultureInfo.InvariantCulture);
        string line = string.Create(CultureInfo.InvariantCulture,
            $" {title,-18} {type} @[ IoU={iouStr,-9} | area={areaRng,6} | maxDets={maxDets,3} ] = {mean:0.000}");
        return (mean, line);
    }
}
