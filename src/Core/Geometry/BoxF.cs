namespace MaskStream.Core.Geometry;

/// <summary>
/// An axis-aligned box in xyxy form (x1, y1 top-left; x2, y2 bottom-right), in continuous pixel
/// coordinates of the frame it belongs to: a box covering pixel columns 0..9 is [0, 10).
/// Width and height are x2 − x1 and y2 − y1, with no +1 (torchvision's convention, not the
/// legacy Detectron one).
/// </summary>
public readonly record struct BoxF(float X1, float Y1, float X2, float Y2)
{
    public float Width => X2 - X1;
    public float Height => Y2 - Y1;
    public float CenterX => 0.5f * (X1 + X2);
    public float CenterY => 0.5f * (Y1 + Y2);

    /// <summary>Area, 0 for an empty or inverted box (never negative).</summary>
    public float Area => IsEmpty ? 0f : Width * Height;

    /// <summary>True when the box has no positive width or height, or holds NaN/infinite values.</summary>
    public bool IsEmpty => !(X2 > X1) || !(Y2 > Y1) || !float.IsFinite(X1) || !float.IsFinite(Y1)
                           || !float.IsFinite(X2) || !float.IsFinite(Y2);

    /// <summary>From COCO/MOT form [x, y, w, h].</summary>
    public static BoxF FromXywh(float x, float y, float w, float h) => new(x, y, x + w, y + h);

    /// <summary>Clamps every coordinate into [0, width] × [0, height] (torchvision's clip_boxes_to_image).</summary>
    public BoxF Clip(float width, float height) => new(
        Math.Clamp(X1, 0f, width), Math.Clamp(Y1, 0f, height),
        Math.Clamp(X2, 0f, width), Math.Clamp(Y2, 0f, height));

    /// <summary>Intersection over union; 0 when the boxes do not overlap or either is empty.</summary>
    public static float Iou(in BoxF a, in BoxF b)
    {
        float iw = MathF.Min(a.X2, b.X2) - MathF.Max(a.X1, b.X1);
        float ih = MathF.Min(a.Y2, b.Y2) - MathF.Max(a.Y1, b.Y1);
        if (!(iw > 0f) || !(ih > 0f)) return 0f;
        float inter = iw * ih;
        float union = a.Area + b.Area - inter;
        return union > 0f ? inter / union : 0f;
    }

    /// <summary>Intersection area (0 when disjoint).</summary>
    public static float IntersectionArea(in BoxF a, in BoxF b)
    {
        float iw = MathF.Min(a.X2, b.X2) - MathF.Max(a.X1, b.X1);
        float ih = MathF.Min(a.Y2, b.Y2) - MathF.Max(a.Y1, b.Y1);
        return iw > 0f && ih > 0f ? iw * ih : 0f;
    }

    public override string ToString() => $"[{X1:0.##}, {Y1:0.##}, {X2:0.##}, {Y2:0.##}]";
}
