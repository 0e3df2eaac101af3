namespace MaskStream.Integration.Tests.Support;

/// <summary>
/// What the shipped model (models/maskstream-tiny at step 1563 of its training, still being retrained) reaches through
/// the running service on the default synthetic scene, next to issue 8's targets. The tests assert these floors;
/// raise them to the targets when a retrained model meets them.
/// </summary>
internal static class ShippedModelFloors
{
    /// <summary>Issue 8: matched objects' mask IoU ≥ 0.8. Measured medians 0.77–0.82 (p10 0.60–0.67): NOT MET YET.</summary>
    public const double MedianMaskIou = 0.7;

    /// <summary>Issue 8: keypoints within 5 px. Measured medians 1.7–2.7 px (p90 ≈ 12 px): met by the median.</summary>
    public const double MedianKeypointErrorPx = 5;

    /// <summary>Issue 8: stable track ids. Measured 7 in 40 and 10 in 85 id changes between a walker's matches in
    /// consecutive frames (every frame processed), 2 in 39 between published frames ≤ 0.5 s apart: NOT "stable" yet;
    /// aim for well under 1 in 10.</summary>
    public const double MaxIdChangeFraction = 0.25;
}
