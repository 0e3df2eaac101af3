using MaskStream.Core.Geometry;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>
/// Where torchvision's paste_masks_in_image puts one M×M mask (PARITY §11): the mask is padded by one ring of
/// zeros to (M+2)², the box is expanded about its centre by (M+2)/M in f32 and truncated toward zero to
/// integers, the padded mask is resized to (y2−y1+1)×(x2−x1+1) (the TO_REMOVE = 1), and the part inside the
/// image is the window.
/// </summary>
/// <param name="BoxX1">Integer expanded box, left (may be negative).</param>
/// <param name="BoxY1">Integer expanded box, top.</param>
/// <param name="ResizedWidth">x2 − x1 + 1, at least 1: width the padded mask is resized to.</param>
/// <param name="ResizedHeight">y2 − y1 + 1, at least 1.</param>
/// <param name="Left">Window left in the image (max(x1, 0)).</param>
/// <param name="Top">Window top in the image.</param>
/// <param name="Width">Window width (0 when the box misses the image).</param>
/// <param name="Height">Window height.</param>
public readonly record struct PasteGeometry(int BoxX1, int BoxY1, int ResizedWidth, int ResizedHeight,
    int Left, int Top, int Width, int Height)
{
    /// <summary>Pixels in the window.</summary>
    public int Area => Width * Height;

    /// <summary>The paste of an M×M mask into <paramref name="box"/> (xyxy, image pixels) in an imageHeight×imageWidth image.</summary>
    public static PasteGeometry Compute(BoxF box, int maskSize, int imageHeight, int imageWidth)
    {
        if (maskSize < 1)
            throw new ArgumentOutOfRangeException(nameof(maskSize), $"Mask size {maskSize}: must be >= 1.");
        if (imageHeight < 1 || imageWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(imageHeight), $"Image size {imageHeight}x{imageWidth}: both must be >= 1.");
        if (!float.IsFinite(box.X1) || !float.IsFinite(box.Y1) || !float.IsFinite(box.X2) || !float.IsFinite(box.Y2))
            throw new ArgumentException($"Box {box} has a non-finite coordinate.", nameof(box));
        // torchvision: scale = float(M + 2) / M in double, applied by an f32 multiply.
        float scale = (float)((double)(maskSize + 2) / maskSize);
        float halfW = (box.X2 - box.X1) * 0.5f;
        float halfH = (box.Y2 - box.Y1) * 0.5f;
        float cx = (box.X2 + box.X1) * 0.5f;
        float cy = (box.Y2 + box.Y1) * 0.5f;
        halfW *= scale;
        halfH *= scale;
        // .to(torch.int64) truncates toward zero; floor would shift boxes at the left/top edge by a pixel.
        long x1 = (long)(cx - halfW), x2 = (long)(cx + halfW);
        long y1 = (long)(cy - halfH), y2 = (long)(cy + halfH);
        long w = Math.Max(x2 - x1 + 1, 1), h = Math.Max(y2 - y1 + 1, 1);
        long left = Math.Max(x1, 0), right = Math.Min(x2 + 1, imageWidth);
        long top = Math.Max(y1, 0), bottom = Math.Min(y2 + 1, imageHeight);
        // A box wholly outside the image pastes nothing (torchvision's slicing fails there; detections are clipped).
        if (right <= left || bottom <= top) left = right = top = bottom = 0;
        return new PasteGeometry((int)x1, (int)y1, (int)w, (int)h, (int)left, (int)top, (int)(right - left), (int)(bottom - top));
    }
}
