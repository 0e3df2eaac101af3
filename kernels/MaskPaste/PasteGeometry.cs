using MaskStream.Core.Geometry;
using MaskStream.Kernels.Resize;

namespace MaskStream.Kernels.MaskPaste;

/// <summary>How a mask's probabilities are placed in the image.</summary>
public enum MaskPasteMode
{
    /// <summary>torchvision's paste_masks_in_image: the box expanded and truncated to whole pixels, the padded mask
    /// resized to that size (PARITY §11). Parity with torchvision.</summary>
    Torchvision,

    /// <summary>
    /// Each pixel centre sampled at its exact place in the box (detectron2's paste: grid_sample, align_corners false,
    /// zeros outside): no truncation of the box to whole pixels and no extra pixel of TO_REMOVE. More accurate masks
    /// (held-out mask AP of the shipped model 0.649 → 0.661), not torchvision's.
    /// </summary>
    Aligned,
}

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
/// <param name="Aligned">1 for <see cref="MaskPasteMode.Aligned"/>: the taps come from the float box below instead.</param>
/// <param name="X1">Aligned: the box's left edge (image pixels, continuous).</param>
/// <param name="Y1">Aligned: its top edge.</param>
/// <param name="BoxWidth">Aligned: x2 − x1.</param>
/// <param name="BoxHeight">Aligned: y2 − y1.</param>
public readonly record struct PasteGeometry(int BoxX1, int BoxY1, int ResizedWidth, int ResizedHeight,
    int Left, int Top, int Width, int Height, int Aligned = 0, float X1 = 0, float Y1 = 0, float BoxWidth = 0, float BoxHeight = 0)
{
    /// <summary>Pixels in the window.</summary>
    public int Area => Width * Height;

    /// <summary>Where window column <paramref name="x"/> reads the zero-padded (M+2)² mask. No Math calls (ILGPU).</summary>
    internal LinearTap TapX(int x, int maskSize) => Aligned != 0
        ? LinearTap.AlignedPaste(Left + x, X1, BoxWidth, maskSize)
        : LinearTap.Compute(Left + x - BoxX1, maskSize + 2, ResizedWidth);

    /// <summary>Where window row <paramref name="y"/> reads the padded mask.</summary>
    internal LinearTap TapY(int y, int maskSize) => Aligned != 0
        ? LinearTap.AlignedPaste(Top + y, Y1, BoxHeight, maskSize)
        : LinearTap.Compute(Top + y - BoxY1, maskSize + 2, ResizedHeight);

    /// <summary>The paste of an M×M mask into <paramref name="box"/> in the given mode.</summary>
    public static PasteGeometry Compute(BoxF box, int maskSize, int imageHeight, int imageWidth, MaskPasteMode mode) =>
        mode == MaskPasteMode.Aligned ? ComputeAligned(box, maskSize, imageHeight, imageWidth) : Compute(box, maskSize, imageHeight, imageWidth);

    /// <summary>
    /// <see cref="MaskPasteMode.Aligned"/>: the window is every pixel whose centre lies within one mask cell of the box
    /// (beyond that the zero ring gives 0), clipped to the image.
    /// </summary>
    public static PasteGeometry ComputeAligned(BoxF box, int maskSize, int imageHeight, int imageWidth)
    {
        CheckArguments(box, maskSize, imageHeight, imageWidth);
        float w = box.X2 - box.X1, h = box.Y2 - box.Y1;
        if (!(w > 0f) || !(h > 0f)) return new PasteGeometry(0, 0, 1, 1, 0, 0, 0, 0, 1, box.X1, box.Y1, 1f, 1f);
        double cellW = (double)w / maskSize, cellH = (double)h / maskSize;
        long left = Math.Max((long)Math.Floor(box.X1 - cellW), 0), right = Math.Min((long)Math.Ceiling(box.X2 + cellW), imageWidth);
        long top = Math.Max((long)Math.Floor(box.Y1 - cellH), 0), bottom = Math.Min((long)Math.Ceiling(box.Y2 + cellH), imageHeight);
        if (right <= left || bottom <= top) left = right = top = bottom = 0;
        return new PasteGeometry(0, 0, 1, 1, (int)left, (int)top, (int)(right - left), (int)(bottom - top), 1, box.X1, box.Y1, w, h);
    }

    /// <summary>The paste of an M×M mask into <paramref name="box"/> (xyxy, image pixels) in an imageHeight×imageWidth image.</summary>
    public static PasteGeometry Compute(BoxF box, int maskSize, int imageHeight, int imageWidth)
    {
        CheckArguments(box, maskSize, imageHeight, imageWidth);
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

    private static void CheckArguments(BoxF box, int maskSize, int imageHeight, int imageWidth)
    {
        if (maskSize < 1)
            throw new ArgumentOutOfRangeException(nameof(maskSize), $"Mask size {maskSize}: must be >= 1.");
        if (imageHeight < 1 || imageWidth < 1)
            throw new ArgumentOutOfRangeException(nameof(imageHeight), $"Image size {imageHeight}x{imageWidth}: both must be >= 1.");
        if (!float.IsFinite(box.X1) || !float.IsFinite(box.Y1) || !float.IsFinite(box.X2) || !float.IsFinite(box.Y2))
            throw new ArgumentException($"Box {box} has a non-finite coordinate.", nameof(box));
    }
}
