namespace MaskStream.Core.Objects;

/// <summary>A detected keypoint in frame pixels (continuous coordinates) with the detector's score for it.</summary>
public readonly record struct Keypoint(float X, float Y, float Score);

/// <summary>COCO keypoint visibility flag: 0 not labelled, 1 labelled but occluded, 2 labelled and visible.</summary>
public enum KeypointVisibility : byte
{
    NotLabeled = 0,
    Occluded = 1,
    Visible = 2,
}

/// <summary>A ground-truth keypoint as COCO annotates it.</summary>
public readonly record struct LabeledKeypoint(float X, float Y, KeypointVisibility Visibility);
