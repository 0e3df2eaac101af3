namespace MaskStream.Evaluation.Coco;

/// <summary>
/// COCOeval's default parameters (pycocotools <c>Params</c>), with the exact doubles numpy builds:
/// the IoU thresholds come from <c>linspace(.5, .95, 10)</c> (so the 9th is 0.8999999999999999) and the
/// recall thresholds from <c>linspace(0, 1, 101)</c> (i·0.01 as float64 products); matching and
/// interpolation compare against these values, so they are not rounded.
/// </summary>
public sealed record CocoEvalParams
{
    public required double[] IouThresholds { get; init; }
    public required double[] RecallThresholds { get; init; }
    public required int[] MaxDets { get; init; }
    public required (double Min, double Max)[] AreaRanges { get; init; }
    public required string[] AreaRangeLabels { get; init; }
    /// <summary>OKS sigmas per keypoint (keypoints only).</summary>
    public double[] KeypointSigmas { get; init; } = [];

    public static CocoEvalParams Default(CocoIouType iouType)
    {
        double[] iou = Linspace(0.5, 0.95, 10);
        double[] rec = Linspace(0.0, 1.00, 101);
        if (iouType == CocoIouType.Keypoints)
        {
            return new CocoEvalParams
            {
                IouThresholds = iou,
                RecallThresholds = rec,
                MaxDets = [20],
                AreaRanges = [(0, 1e5 * 1e5), (32 * 32, 96 * 96), (96 * 96, 1e5 * 1e5)],
                AreaRangeLabels = ["all", "medium", "large"],
                KeypointSigmas = [.. Core.Objects.CocoPersonKeypoints.OksSigmas],
            };
        }
        return new CocoEvalParams
        {
            IouThresholds = iou,
            RecallThresholds = rec,
            MaxDets = [1, 10, 100],
            AreaRanges = [(0, 1e5 * 1e5), (0, 32 * 32), (32 * 32, 96 * 96), (96 * 96, 1e5 * 1e5)],
            AreaRangeLabels = ["all", "small", "medium", "large"],
        };
    }

    /// <summary>numpy <c>linspace(start, stop, num)</c> for float64 (step = (stop−start)/(num−1), i·step + start, last = stop).</summary>
    internal static double[] Linspace(double start, double stop, int num)
    {
        var y = new double[num];
        double delta = stop - start;
        double step = delta / (num - 1);
        for (int i = 0; i < num; i++)
            y[i] = i * step + start;
        y[num - 1] = stop;
        return y;
    }
}
