using System.Collections.Immutable;

namespace MaskStream.Core.Objects;

/// <summary>The 17 COCO person keypoints: names and order, skeleton, OKS sigmas and the left/right flip.</summary>
public static class CocoPersonKeypoints
{
    public const int Count = 17;

    public static readonly ImmutableArray<string> Names =
    [
        "nose", "left_eye", "right_eye", "left_ear", "right_ear",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_hip", "right_hip",
        "left_knee", "right_knee", "left_ankle", "right_ankle",
    ];

    /// <summary>Limb pairs as COCO's person category lists them: 1-based keypoint indices.</summary>
    public static readonly ImmutableArray<(int A, int B)> Skeleton =
    [
        (16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8),
        (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7),
    ];

    /// <summary>Per-keypoint OKS sigmas, as pycocotools' COCOeval holds them (already divided by 10).</summary>
    public static readonly ImmutableArray<double> OksSigmas =
    [
        .26 / 10.0, .25 / 10.0, .25 / 10.0, .35 / 10.0, .35 / 10.0, .79 / 10.0, .79 / 10.0, .72 / 10.0, .72 / 10.0,
        .62 / 10.0, .62 / 10.0, 1.07 / 10.0, 1.07 / 10.0, .87 / 10.0, .87 / 10.0, .89 / 10.0, .89 / 10.0,
    ];

    /// <summary>Index of each keypoint's mirror image (left ↔ right), for horizontal flips.</summary>
    public static readonly ImmutableArray<int> FlipIndex = [0, 2, 1, 4, 3, 6, 5, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15];
}
