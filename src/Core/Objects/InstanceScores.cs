namespace MaskStream.Core.Objects;

/// <summary>
/// Scores of a detection's mask and pose as results of their own, for ranking masks and poses (COCO's segm and keypoint
/// evaluations rank each result type by its own score). The box score says an object is there; it does not say whether
/// the mask or the skeleton drawn on it is any good, and a confident box with a loose pose ranked above a good one costs
/// keypoint AP as much as a false positive. Both multiply the box score by a quality taken from the head's own output,
/// as the field does without a learned quality head: the mask's "maskness" of SOLOv2 (Wang et al. 2020, the mean
/// probability over the mask's own pixels), the pose's mean keypoint confidence of top-down pose estimators
/// (SimpleBaseline / HRNet rescoring, there with heatmap peaks, here with the sigmoid of torchvision's heatmap logits).
/// </summary>
public static class InstanceScores
{
    /// <summary>
    /// Mean probability over the cells above <paramref name="threshold"/> of a mask head's output (e.g. 28x28), 0 when
    /// none is: 1 for a crisp mask, near the threshold for one the head is unsure of everywhere.
    /// </summary>
    public static float Maskness(ReadOnlySpan<float> probabilities, float threshold)
    {
        double sum = 0;
        int count = 0;
        foreach (float p in probabilities)
        {
            if (p > threshold)
            {
                sum += p;
                count++;
            }
        }
        return count == 0 ? 0f : (float)(sum / count);
    }

    /// <summary>Mean over the keypoints of the sigmoid of their scores (torchvision's keypoint scores are heatmap logits); 0 for none.</summary>
    public static float PoseConfidence(ReadOnlySpan<Keypoint> keypoints)
    {
        if (keypoints.IsEmpty) return 0f;
        double sum = 0;
        foreach (var k in keypoints) sum += 1.0 / (1.0 + Math.Exp(-k.Score));
        return (float)(sum / keypoints.Length);
    }
}
