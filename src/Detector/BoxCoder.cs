using MaskStream.Core.Geometry;

namespace MaskStream.Detector;

/// <summary>Weights (wx, wy, ww, wh) that divide the regression deltas: (1,1,1,1) in the RPN, (10,10,5,5) in the box head.</summary>
public readonly record struct BoxCoderWeights(float Wx, float Wy, float Ww, float Wh)
{
    public static BoxCoderWeights Rpn { get; } = new(1f, 1f, 1f, 1f);

    public static BoxCoderWeights RoiHeads { get; } = new(10f, 10f, 5f, 5f);
}

/// <summary>
/// torchvision's BoxCoder.decode (models/detection/_utils.py): deltas relative to a reference box, f32 throughout,
/// widths without Detectron1's +1. Only dw and dh are clamped, and only from above, by log(1000/16) so that
/// <c>exp</c> stays finite (PARITY §5).
/// </summary>
public static class BoxCoder
{
    /// <summary>log(1000/16), torchvision's bbox_xform_clip.</summary>
    public const float DefaultLogScaleClip = 4.135166556742356f;

    /// <param name="reference">Anchor or proposal, xyxy.</param>
    /// <param name="dx">Raw delta for x (before dividing by the weight); likewise dy, dw, dh.</param>
    public static BoxF Decode(in BoxF reference, float dx, float dy, float dw, float dh, BoxCoderWeights weights,
        float logScaleClip)
    {
        float width = reference.X2 - reference.X1;
        float height = reference.Y2 - reference.Y1;
        float ctrX = reference.X1 + 0.5f * width;
        float ctrY = reference.Y1 + 0.5f * height;
        dx /= weights.Wx;
        dy /= weights.Wy;
        dw = Math.Min(dw / weights.Ww, logScaleClip);
        dh = Math.Min(dh / weights.Wh, logScaleClip);
        float predCtrX = dx * width + ctrX;
        float predCtrY = dy * height + ctrY;
        float predW = MathF.Exp(dw) * width;
        float predH = MathF.Exp(dh) * height;
        float halfW = 0.5f * predW, halfH = 0.5f * predH;
        return new BoxF(predCtrX - halfW, predCtrY - halfH, predCtrX + halfW, predCtrY + halfH);
    }

    /// <summary>torchvision's clip_boxes_to_image: x into [0, width], y into [0, height], bounds inclusive.</summary>
    public static BoxF ClipToImage(in BoxF box, int width, int height) => new(
        Math.Clamp(box.X1, 0f, width), Math.Clamp(box.Y1, 0f, height),
        Math.Clamp(box.X2, 0f, width), Math.Clamp(box.Y2, 0f, height));

    /// <summary>torchvision's remove_small_boxes keep rule: both sides <c>&gt;=</c> minSize (non-strict, f32).</summary>
    public static bool IsLargeEnough(in BoxF box, float minSize) =>
        box.X2 - box.X1 >= minSize && box.Y2 - box.Y1 >= minSize;
}
