using OpenCvSharp;

namespace MaskStream.Ingest.Synthetic;

/// <summary>A BGR colour of the synthetic world.</summary>
internal readonly record struct Bgr(byte B, byte G, byte R)
{
    public Scalar ToScalar() => new(B, G, R);

    public Bgr Scale(double f) => new(Clamp(B * f), Clamp(G * f), Clamp(R * f));

    public Bgr Mix(Bgr other, double t) =>
        new(Clamp(B + (other.B - B) * t), Clamp(G + (other.G - G) * t), Clamp(R + (other.R - R) * t));

    public static Bgr FromHsv(double hueDegrees, double saturation, double value)
    {
        double h = (hueDegrees % 360 + 360) % 360 / 60, c = value * saturation, x = c * (1 - Math.Abs(h % 2 - 1)), m = value - c;
        (double r, double g, double b) = (int)h switch
        {
            0 => (c, x, 0.0), 1 => (x, c, 0.0), 2 => (0.0, c, x), 3 => (0.0, x, c), 4 => (x, 0.0, c), _ => (c, 0.0, x),
        };
        return new(Clamp((b + m) * 255), Clamp((g + m) * 255), Clamp((r + m) * 255));
    }

    private static byte Clamp(double v) => (byte)Math.Clamp((int)Math.Round(v), 0, 255);
}

/// <summary>How a <see cref="Painter"/> uses the shapes it is given.</summary>
internal enum PaintMode
{
    /// <summary>Accumulate the bounding rectangle of the shapes; draw nothing.</summary>
    Measure,

    /// <summary>Draw in the shapes' colours, details included, on a BGR image.</summary>
    Color,

    /// <summary>Draw the silhouette only, in one label value, on a single-channel map.</summary>
    Label,
}

/// <summary>
/// Draws one object's shapes in one of three modes, so that the colour image, the label map and the
/// measured bounds all come from the same geometry and agree to the pixel. Coordinates are frame
/// pixels (pixel centres at integers, as OpenCV and COCO keypoints have them), drawn with 4
/// fractional bits; an offset moves drawing into a region buffer. Never anti-aliased: a blended edge
/// would make the image and the mask disagree.
/// </summary>
internal sealed class Painter
{
    public const int Shift = 4;
    public const double SubPixel = 1 << Shift;

    private Mat? _target;
    private Scalar _label;
    private int _offsetX, _offsetY;
    private readonly Point[] _poly = new Point[16];

    public PaintMode Mode { get; private set; }

    public int MinX { get; private set; }
    public int MinY { get; private set; }
    public int MaxX { get; private set; }
    public int MaxY { get; private set; }

    public void BeginMeasure()
    {
        Mode = PaintMode.Measure;
        _target = null;
        MinX = MinY = int.MaxValue;
        MaxX = MaxY = int.MinValue;
    }

    /// <summary>Draws colours on <paramref name="bgr"/>, whose pixel (0,0) is frame pixel (offsetX, offsetY).</summary>
    public void BeginColor(Mat bgr, int offsetX = 0, int offsetY = 0)
    {
        Mode = PaintMode.Color;
        _target = bgr;
        _offsetX = offsetX;
        _offsetY = offsetY;
    }

    /// <summary>Draws silhouettes with <paramref name="label"/> on a single-channel map.</summary>
    public void BeginLabel(Mat map, byte label, int offsetX = 0, int offsetY = 0)
    {
        Mode = PaintMode.Label;
        _target = map;
        _label = new Scalar(label);
        _offsetX = offsetX;
        _offsetY = offsetY;
    }

    /// <summary>True when details (shading, windows, faces) that lie inside the silhouette should be drawn.</summary>
    public bool DrawsDetails => Mode == PaintMode.Color;

    /// <summary>Snaps a coordinate to the drawing grid, so a reported keypoint is exactly where its limb was drawn.</summary>
    public static double Snap(double v) => Math.Round(v * SubPixel) / SubPixel;

    /// <summary>A thick segment with round caps (a limb): width in pixels.</summary>
    public void Limb(Vec2 a, Vec2 b, double width, Bgr color)
    {
        int t = Math.Max(1, (int)Math.Round(width));
        if (Mode == PaintMode.Measure)
        {
            Extend(a, t * 0.5 + 2);
            Extend(b, t * 0.5 + 2);
            return;
        }
        Cv2.Line(_target!, Fixed(a), Fixed(b), Paint(color), t, LineTypes.Link8, Shift);
    }

    /// <summary>A filled disc.</summary>
    public void Disc(Vec2 center, double radius, Bgr color)
    {
        if (Mode == PaintMode.Measure)
        {
            Extend(center, radius + 2);
            return;
        }
        int r = Math.Max(1, (int)Math.Round(radius * SubPixel));
        Cv2.Circle(_target!, Fixed(center), r, Paint(color), -1, LineTypes.Link8, Shift);
    }

    /// <summary>A filled ellipse, axes as half-lengths in pixels, angle in degrees.</summary>
    public void Ellipse(Vec2 center, double halfWidth, double halfHeight, double angleDegrees, Bgr color)
    {
        if (Mode == PaintMode.Measure)
        {
            Extend(center, Math.Max(halfWidth, halfHeight) + 2);
            return;
        }
        var axes = new Size(Math.Max(1, (int)Math.Round(halfWidth * SubPixel)), Math.Max(1, (int)Math.Round(halfHeight * SubPixel)));
        Cv2.Ellipse(_target!, Fixed(center), axes, angleDegrees, 0, 360, Paint(color), -1, LineTypes.Link8, Shift);
    }

    /// <summary>A filled convex polygon (at most 16 corners).</summary>
    public void Convex(ReadOnlySpan<Vec2> corners, Bgr color)
    {
        if (Mode == PaintMode.Measure)
        {
            foreach (var c in corners) Extend(c, 2);
            return;
        }
        var pts = _poly.AsSpan(0, corners.Length);
        for (int i = 0; i < corners.Length; i++) pts[i] = Fixed(corners[i]);
        Cv2.FillConvexPoly(_target!, _poly[..corners.Length], Paint(color), LineTypes.Link8, Shift);
    }

    /// <summary>An axis-aligned filled rectangle between two corners (inclusive pixel bounds after rounding).</summary>
    public void Rect(Vec2 a, Vec2 b, Bgr color)
    {
        Span<Vec2> c = [a, new(b.X, a.Y), b, new(a.X, b.Y)];
        Convex(c, color);
    }

    private Scalar Paint(Bgr color) => Mode == PaintMode.Label ? _label : color.ToScalar();

    private Point Fixed(Vec2 p) => new(
        (int)Math.Round((p.X - _offsetX) * SubPixel),
        (int)Math.Round((p.Y - _offsetY) * SubPixel));

    private void Extend(Vec2 p, double margin)
    {
        MinX = Math.Min(MinX, (int)Math.Floor(p.X - margin));
        MinY = Math.Min(MinY, (int)Math.Floor(p.Y - margin));
        MaxX = Math.Max(MaxX, (int)Math.Ceiling(p.X + margin));
        MaxY = Math.Max(MaxY, (int)Math.Ceiling(p.Y + margin));
    }
}

/// <summary>A point or vector in frame pixels.</summary>
internal readonly record struct Vec2(double X, double Y)
{
    public static Vec2 operator +(Vec2 a, Vec2 b) => new(a.X + b.X, a.Y + b.Y);
    public static Vec2 operator -(Vec2 a, Vec2 b) => new(a.X - b.X, a.Y - b.Y);
    public static Vec2 operator *(Vec2 a, double s) => new(a.X * s, a.Y * s);
    public Vec2 Lerp(Vec2 b, double t) => new(X + (b.X - X) * t, Y + (b.Y - Y) * t);
    public Vec2 Snapped => new(Painter.Snap(X), Painter.Snap(Y));
}
