using OpenCvSharp;

namespace MaskStream.Ingest.Synthetic;

/// <summary>Soft contact shadows on the ground, drawn by darkening pixels (OpenCV has no multiply-fill).</summary>
internal static class Shadows
{
    /// <summary>Darkens an ellipse (half axes in pixels) on a BGR image, by up to <paramref name="darkest"/> at its centre.</summary>
    public static unsafe void Darken(Mat bgr, Vec2 center, double halfWidth, double halfHeight, double darkest)
    {
        if (halfWidth < 1 || halfHeight < 0.5) return;
        int w = bgr.Cols, h = bgr.Rows;
        int y0 = Math.Max(0, (int)Math.Floor(center.Y - halfHeight)), y1 = Math.Min(h - 1, (int)Math.Ceiling(center.Y + halfHeight));
        byte* data = (byte*)bgr.DataPointer;
        long step = bgr.Step();
        for (int y = y0; y <= y1; y++)
        {
            double dy = (y - center.Y) / halfHeight;
            double span = 1 - dy * dy;
            if (span <= 0) continue;
            double half = halfWidth * Math.Sqrt(span);
            int x0 = Math.Max(0, (int)Math.Ceiling(center.X - half)), x1 = Math.Min(w - 1, (int)Math.Floor(center.X + half));
            byte* row = data + y * step;
            for (int x = x0; x <= x1; x++)
            {
                double dx = (x - center.X) / halfWidth;
                double r2 = dx * dx + dy * dy;
                // 256-scaled factor: darkest at the centre, fading to none at the rim.
                int f = (int)(256 * (1 - (1 - darkest) * (1 - r2)));
                byte* p = row + 3 * x;
                p[0] = (byte)(p[0] * f >> 8);
                p[1] = (byte)(p[1] * f >> 8);
                p[2] = (byte)(p[2] * f >> 8);
            }
        }
    }
}
