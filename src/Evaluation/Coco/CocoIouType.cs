namespace MaskStream.Evaluation.Coco;

/// <summary>What COCOeval compares: boxes, masks, or keypoints (OKS).</summary>
public enum CocoIouType
{
    Bbox,
    Segm,
    Keypoints,
}
