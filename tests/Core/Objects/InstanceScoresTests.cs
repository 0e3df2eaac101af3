using MaskStream.Core.Objects;

namespace MaskStream.Core.Tests.Objects;

/// <summary>
/// The definitions themselves; the detector's values are checked against the same quantities computed by
/// tools/model/reference.py from torchvision's mask probabilities and keypoint logits (the parity tests).
/// </summary>
public sealed class InstanceScoresTests
{
    [Fact]
    public void Maskness_IsTheMeanOverTheCellsStrictlyAboveTheThreshold()
    {
        // 0.5 itself is not in the mask (the paste's threshold is strict), so it does not count.
        float[] probabilities = [0.1f, 0.5f, 0.6f, 0.9f, 0.3f, 1.0f];
        Assert.Equal((0.6 + 0.9 + 1.0) / 3, InstanceScores.Maskness(probabilities, 0.5f), 6);
    }

    [Fact]
    public void Maskness_OfAnEmptyMask_IsZero()
    {
        Assert.Equal(0f, InstanceScores.Maskness([0.1f, 0.5f, 0.2f], 0.5f));
        Assert.Equal(0f, InstanceScores.Maskness([], 0.5f));
    }

    [Fact]
    public void PoseConfidence_IsTheMeanSigmoidOfTheKeypointLogits()
    {
        Keypoint[] keypoints = [new(1, 2, 0f), new(3, 4, 2f), new(5, 6, -3f)];
        double expected = (0.5 + 1 / (1 + Math.Exp(-2)) + 1 / (1 + Math.Exp(3))) / 3;
        Assert.Equal(expected, InstanceScores.PoseConfidence(keypoints), 6);
        Assert.Equal(0f, InstanceScores.PoseConfidence([]));
    }
}
