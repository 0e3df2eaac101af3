namespace MaskStream.Evaluation.Mot;

/// <summary>The two tools' xywh box IoUs, which round differently (area from w·h vs from the corners).</summary>
internal static class BoxIou
{
    /// <summary>py-motmetrics <c>distances.boxiou</c>: corners from x+w, areas from w·h; 0/0 gives NaN.</summary>
    public static double MotMetrics(MotBox a, MotBox b)
    {
        double ix = Math.Max(0, Math.Min(a.X + a.W, b.X + b.W) - Math.Max(a.X, b.X));
        double iy = Math.Max(0, Math.Min(a.Y + a.H, b.Y + b.H) - Math.Max(a.Y, b.Y));
        double inter = ix * iy;
        double union = a.W * a.H + b.W * b.H - inter;
        return inter / union;
    }

    /// <summary>
    /// py-motmetrics <c>iou_matrix(objs, hyps, max_iou)</c>: distance 1 − IoU, NaN (cannot match)
    /// where the distance exceeds <paramref name="maxIou"/>, so IoU exactly 1 − maxIou still matches.
    /// </summary>
    public static double[] DistanceMatrix(IReadOnlyList<MotObject> gt, IReadOnlyList<MotObject> hyp, double maxIou)
    {
        var d = new double[gt.Count * hyp.Count];
        for (int i = 0; i < gt.Count; i++)
        {
            for (int j = 0; j < hyp.Count; j++)
            {
                double dist = 1 - MotMetrics(gt[i].Box, hyp[j].Box);
                d[i * hyp.Count + j] = dist > maxIou ? double.NaN : dist;
            }
        }
        return d;
    }

    private const double Eps = 2.220446049250313e-16; // np.finfo(float).eps

    /// <summary>TrackEval <c>_calculate_box_ious</c> (xywh): corners first, areas from the corners, degenerate boxes give 0.</summary>
    public static double TrackEval(MotBox a, MotBox b)
    {
        double ax1 = a.X + a.W, ay1 = a.Y + a.H, bx1 = b.X + b.W, by1 = b.Y + b.H;
        double inter = Math.Max(Math.Min(ax1, bx1) - Math.Max(a.X, b.X), 0) * Math.Max(Math.Min(ay1, by1) - Math.Max(a.Y, b.Y), 0);
        double area1 = (ax1 - a.X) * (ay1 - a.Y);
        double area2 = (bx1 - b.X) * (by1 - b.Y);
        double union = area1 + area2 - inter;
        if (area1 <= Eps || area2 <= Eps || union <= Eps)
            inter = 0;
        if (union <= Eps)
            union = 1;
        return inter / union;
    }
}
