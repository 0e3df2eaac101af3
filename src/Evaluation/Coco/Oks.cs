namespace MaskStream.Evaluation.Coco;

/// <summary>Object keypoint similarity as pycocotools' <c>computeOks</c> computes it.</summary>
internal static class Oks
{
    /// <summary>
    /// OKS of one detection against one gt: exp(−d²/(2σ)²/(area+eps)/2) averaged over the gt's
    /// labelled keypoints (v &gt; 0). A gt with none labelled instead measures each detected
    /// keypoint's distance to the gt box grown by one box size on every side, averaged over all K.
    /// </summary>
    public static double Compute(double[] gtKeypoints, CocoBox gtBox, double gtArea, double[] dtKeypoints, double[] sigmas)
    {
        int k = sigmas.Length;
        int labelled = 0;
        for (int i = 0; i < k; i++)
            if (gtKeypoints[3 * i + 2] > 0)
                labelled++;
        double x0 = gtBox.X - gtBox.W, x1 = gtBox.X + gtBox.W * 2;
        double y0 = gtBox.Y - gtBox.H, y1 = gtBox.Y + gtBox.H * 2;
        double denominator = gtArea + Math.ScaleB(1.0, -52); // np.spacing(1)
        Span<double> e = stackalloc double[k];
        int n = 0;
        for (int i = 0; i < k; i++)
        {
            double xd = dtKeypoints[3 * i], yd = dtKeypoints[3 * i + 1];
            double dx, dy;
            if (labelled > 0)
            {
                if (gtKeypoints[3 * i + 2] <= 0)
                    continue;
                dx = xd - gtKeypoints[3 * i];
                dy = yd - gtKeypoints[3 * i + 1];
            }
            else
            {
                dx = Math.Max(0, x0 - xd) + Math.Max(0, xd - x1);
                dy = Math.Max(0, y0 - yd) + Math.Max(0, yd - y1);
            }
            double variance = (sigmas[i] * 2) * (sigmas[i] * 2);
            e[n++] = Math.Exp(-((dx * dx + dy * dy) / variance / denominator / 2));
        }
        return NumpySum.Sum(e[..n]) / n;
    }
}
