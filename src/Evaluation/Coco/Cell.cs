using MaskStream.Core.Masks;

namespace MaskStream.Evaluation.Coco;

/// <summary>The gts and dts of one (image, category) and their <c>evaluateImg</c> results per area range.</summary>
internal sealed class Cell(int imageIndex, int categoryIndex)
{
    public int ImageIndex { get; } = imageIndex;
    public int CategoryIndex { get; } = categoryIndex;
    public List<EvalObject> Gts { get; } = [];
    public List<EvalObject> Dts { get; } = [];
    /// <summary>One per area range.</summary>
    public ImageEvaluation[] Evaluations { get; private set; } = [];

    public void Evaluate(CocoIouType iouType, CocoEvalParams p, int maxDetLast)
    {
        // Stable descending score order, then the last maxDets (computeIoU / evaluateImg).
        var sorted = Dts.ToArray();
        StableSortByScoreDescending(sorted);
        var dts = sorted.Length > maxDetLast ? sorted[..maxDetLast] : sorted;
        double[] ious = iouType == CocoIouType.Keypoints ? ComputeOks(dts, p.KeypointSigmas) : ComputeIou(dts, iouType);
        Evaluations = new ImageEvaluation[p.AreaRanges.Length];
        for (int a = 0; a < p.AreaRanges.Length; a++)
            Evaluations[a] = ImageEvaluation.Evaluate(Gts, dts, ious, p.AreaRanges[a], p.IouThresholds);
    }

    internal static void StableSortByScoreDescending(EvalObject[] dts)
    {
        // Insertion sort is stable and the lists per image and category are short; fall back to an
        // index-keyed sort (also stable) for long ones.
        if (dts.Length <= 64)
        {
            for (int i = 1; i < dts.Length; i++)
            {
                var x = dts[i];
                int j = i - 1;
                while (j >= 0 && dts[j].Score < x.Score)
                {
                    dts[j + 1] = dts[j];
                    j--;
                }
                dts[j + 1] = x;
            }
            return;
        }
        var keyed = new (double NegScore, int Index, EvalObject Obj)[dts.Length];
        for (int i = 0; i < dts.Length; i++)
            keyed[i] = (-dts[i].Score, i, dts[i]);
        Array.Sort(keyed, (a, b) => a.NegScore != b.NegScore ? a.NegScore.CompareTo(b.NegScore) : a.Index.CompareTo(b.Index));
        for (int i = 0; i < dts.Length; i++)
            dts[i] = keyed[i].Obj;
    }

    /// <summary>maskUtils.iou(d, g, iscrowd) as a [D, G] array; empty when either side is empty.</summary>
    private double[] ComputeIou(EvalObject[] dts, CocoIouType iouType)
    {
        int gCount = Gts.Count, dCount = dts.Length;
        if (gCount == 0 || dCount == 0)
            return [];
        var ious = new double[dCount * gCount];
        for (int d = 0; d < dCount; d++)
        {
            var dt = dts[d];
            for (int g = 0; g < gCount; g++)
            {
                var gt = Gts[g];
                if (iouType == CocoIouType.Bbox)
                {
                    ious[d * gCount + g] = RleMask.BoxIou((dt.Box.X, dt.Box.Y, dt.Box.W, dt.Box.H), (gt.Box.X, gt.Box.Y, gt.Box.W, gt.Box.H), gt.IsCrowd);
                }
                else
                {
                    // rleIou: the toBbox boxes first, pixels only where they overlap.
                    ious[d * gCount + g] = RleMask.BoxIou(dt.MaskBox, gt.MaskBox, gt.IsCrowd) > 0
                        ? RleMask.PixelIou(dt.Mask!, gt.Mask!, gt.IsCrowd)
                        : 0;
                }
            }
        }
        return ious;
    }

    private double[] ComputeOks(EvalObject[] dts, double[] sigmas)
    {
        int gCount = Gts.Count, dCount = dts.Length;
        if (gCount == 0 || dCount == 0)
            return [];
        var ious = new double[dCount * gCount];
        for (int g = 0; g < gCount; g++)
        {
            var gt = Gts[g];
            for (int d = 0; d < dCount; d++)
                ious[d * gCount + g] = Oks.Compute(gt.Keypoints!, gt.Box, gt.Area, dts[d].Keypoints!, sigmas);
        }
        return ious;
    }
}
