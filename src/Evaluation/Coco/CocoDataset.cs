namespace MaskStream.Evaluation.Coco;

/// <summary>An image of a COCO ground-truth set; <see cref="FileName"/> is how detector output finds it.</summary>
public sealed record CocoImage(long Id, int Width, int Height, string? FileName = null);

/// <summary>A category; <see cref="HasKeypoints"/> when it lists <c>keypoints</c> names (COCO's person).</summary>
public sealed record CocoCategory(long Id, string Name, bool HasKeypoints = false);

/// <summary>An [x, y, w, h] box in image pixels, as COCO writes it.</summary>
public readonly record struct CocoBox(double X, double Y, double W, double H);

/// <summary>A ground-truth annotation. <see cref="Area"/> is the file's <c>area</c> field, which decides the area range.</summary>
public sealed record CocoAnnotation
{
    public required long Id { get; init; }
    public required long ImageId { get; init; }
    public required long CategoryId { get; init; }
    public bool IsCrowd { get; init; }
    public double Area { get; init; }
    public CocoBox Bbox { get; init; }
    public CocoSegmentation? Segmentation { get; init; }
    /// <summary>[x, y, v] × K, v = 0 unlabelled, 1 labelled but not visible, 2 visible.</summary>
    public double[]? Keypoints { get; init; }
    public int NumKeypoints { get; init; }
}

/// <summary>One entry of a COCO results list (what <c>COCO.loadRes</c> reads).</summary>
public sealed record CocoResult
{
    public required long ImageId { get; init; }
    public required long CategoryId { get; init; }
    public required double Score { get; init; }
    public CocoBox? Bbox { get; init; }
    public CocoSegmentation? Segmentation { get; init; }
    /// <summary>[x, y, confidence] × K; the confidence is not used by OKS.</summary>
    public double[]? Keypoints { get; init; }
}

public sealed record CocoGroundTruth(IReadOnlyList<CocoImage> Images, IReadOnlyList<CocoCategory> Categories, IReadOnlyList<CocoAnnotation> Annotations);
