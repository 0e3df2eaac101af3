namespace MaskStream.Core.Masks;

/// <summary>
/// Rasterizes COCO polygons and boxes to RLE exactly as pycocotools' <c>rleFrPoly</c> /
/// <c>rleFrBbox</c> do: the outline is walked on a 5× upsampled integer grid, and a pixel is set when
/// its centre lies inside. The integer rounding (truncation of <c>5x + 0.5</c>) is part of the
/// contract: ground-truth areas in every COCO file depend on it.
/// </summary>
public static class RlePolygon
{
    private const int Scale = 5;

    /// <summary>One polygon given as a flat list x1, y1, x2, y2, … in pixel coordinates.</summary>
    public static RleMask FromPolygon(ReadOnlySpan<double> xy, int height, int width)
    {
        if (height < 0 || width < 0) throw new ArgumentOutOfRangeException(nameof(height), $"Size {height}x{width} is negative.");
        int k = xy.Length / 2;
        var x = new int[k + 1];
        var y = new int[k + 1];
        for (int j = 0; j < k; j++) x[j] = (int)(Scale * xy[j * 2] + .5);
        x[k] = k > 0 ? x[0] : 0;
        for (int j = 0; j < k; j++) y[j] = (int)(Scale * xy[j * 2 + 1] + .5);
        y[k] = k > 0 ? y[0] : 0;

        // dense outline points on the upsampled grid
        long total = 0;
        for (int j = 0; j < k; j++) total += Math.Max(Math.Abs(x[j] - x[j + 1]), Math.Abs(y[j] - y[j + 1])) + 1;
        var u = new int[total];
        var v = new int[total];
        int m = 0;
        for (int j = 0; j < k; j++)
        {
            int xs = x[j], xe = x[j + 1], ys = y[j], ye = y[j + 1];
            int dx = Math.Abs(xe - xs), dy = Math.Abs(ys - ye);
            bool flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
            if (flip) { (xs, xe) = (xe, xs); (ys, ye) = (ye, ys); }
            double s = dx >= dy ? (double)(ye - ys) / dx : (double)(xe - xs) / dy;
            if (dx >= dy)
            {
                for (int d = 0; d <= dx; d++)
                {
                    int t = flip ? dx - d : d;
                    u[m] = t + xs;
                    v[m] = (int)(ys + s * t + .5);
                    m++;
                }
            }
            else
            {
                for (int d = 0; d <= dy; d++)
                {
                    int t = flip ? dy - d : d;
                    v[m] = t + ys;
                    u[m] = (int)(xs + s * t + .5);
                    m++;
                }
            }
        }

        // points where the outline crosses a pixel column centre, downsampled to pixels
        int kk = m;
        m = 0;
        var bx = new int[Math.Max(kk, 1)];
        var by = new int[Math.Max(kk, 1)];
        for (int j = 1; j < kk; j++)
        {
            if (u[j] == u[j - 1]) continue;
            double xd = u[j] < u[j - 1] ? u[j] : u[j] - 1;
            xd = (xd + .5) / Scale - .5;
            if (Math.Floor(xd) != xd || xd < 0 || xd > width - 1) continue;
            double yd = v[j] < v[j - 1] ? v[j] : v[j - 1];
            yd = (yd + .5) / Scale - .5;
            if (yd < 0) yd = 0;
            else if (yd > height) yd = height;
            yd = Math.Ceiling(yd);
            bx[m] = (int)xd;
            by[m] = (int)yd;
            m++;
        }

        // crossings → sorted column-major positions → runs
        int n = m;
        var a = new uint[n + 1];
        for (int j = 0; j < n; j++) a[j] = (uint)(bx[j] * height + by[j]);
        a[n++] = (uint)(height * width);
        Array.Sort(a, 0, n);
        uint p = 0;
        for (int j = 0; j < n; j++)
        {
            uint t = a[j];
            a[j] -= p;
            p = t;
        }
        var b = new uint[n];
        int jj = 0;
        m = 0;
        b[m++] = a[jj++];
        while (jj < n)
        {
            if (a[jj] > 0) b[m++] = a[jj++];
            else
            {
                jj++;
                if (jj < n) b[m - 1] += a[jj++];
            }
        }
        return RleMask.Wrap(height, width, b.AsSpan(0, m).ToArray());
    }

    /// <summary>A box [x, y, w, h] rasterized as its four-corner polygon (pycocotools <c>rleFrBbox</c>).</summary>
    public static RleMask FromBox(double x, double y, double w, double h, int height, int width)
    {
        double xe = x + w, ye = y + h;
        ReadOnlySpan<double> xy = [x, y, x, ye, xe, ye, xe, y];
        return FromPolygon(xy, height, width);
    }

    /// <summary>
    /// A multi-part polygon segmentation as COCO's <c>annToRLE</c> reads it: each part rasterized,
    /// then merged (union).
    /// </summary>
    public static RleMask FromPolygons(IReadOnlyList<double[]> polygons, int height, int width)
    {
        var parts = new RleMask[polygons.Count];
        for (int i = 0; i < parts.Length; i++) parts[i] = FromPolygon(polygons[i], height, width);
        return parts.Length == 0 ? RleMask.Empty(height, width) : RleMask.Merge(parts);
    }
}
