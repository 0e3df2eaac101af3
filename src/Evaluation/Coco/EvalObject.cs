using MaskStream.Core.Masks;

namespace MaskStream.Evaluation.Coco;

/// <summary>A gt or dt annotation as COCOeval sees it after <c>loadRes</c> and <c>_prepare</c>.</summary>
internal sealed class EvalObject
{
    public long Id;
    public double Area;
    public double Score;
    public bool IsCrowd;
    /// <summary>gt only: iscrowd, or (keypoints) no labelled keypoint.</summary>
    public bool Ignore;
    public CocoBox Box;
    public RleMask? Mask;
    /// <summary>pycocotools <c>toBbox</c> of <see cref="Mask"/>, for the IoU pre-check.</summary>
    public (double X, double Y, double W, double H) MaskBox;
    public double[]? Keypoints;
    /// <summary>Not yet rasterized; decoded into <see cref="Mask"/> at the image size when needed.</summary>
    public CocoSegmentation? Segmentation;
    public int ImageIndex;
    /// <summary>loadRes segmentation branch: area (and, without a bbox field, the box) come from the mask.</summary>
    public bool AreaFromMask;
    public bool BoxFromMask;
}
