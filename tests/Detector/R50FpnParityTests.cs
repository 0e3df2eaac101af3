using MaskStream.Detector.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

// Every ResNet-50-FPN architecture export.py offers (random init), exported and run by torchvision in the test: every
// stage (features and RPN outputs, anchors, proposals, RoI features, the heads the model has, box post-processing,
// keypoint decoding) at the tolerances of StageParity, and the whole detector against torchvision's final detections,
// on one 500x375 frame.

[Collection(R50FpnCollection.Name)]
public sealed class R50FpnStageParityTests(R50FpnFixture m, ITestOutputHelper o) : R50StageParity(m, o);

[Collection(R50FpnCollection.Name)]
public sealed class R50FpnEndToEndParityTests(R50FpnFixture m, ITestOutputHelper o) : R50EndToEndParity(m, o, masks: true, keypoints: true);

[Collection(R50MaskRcnnCollection.Name)]
public sealed class R50MaskRcnnStageParityTests(R50MaskRcnnFixture m, ITestOutputHelper o) : R50StageParity(m, o);

[Collection(R50MaskRcnnCollection.Name)]
public sealed class R50MaskRcnnEndToEndParityTests(R50MaskRcnnFixture m, ITestOutputHelper o) : R50EndToEndParity(m, o, masks: true, keypoints: false);

[Collection(R50MaskRcnnV2Collection.Name)]
public sealed class R50MaskRcnnV2StageParityTests(R50MaskRcnnV2Fixture m, ITestOutputHelper o) : R50StageParity(m, o);

[Collection(R50MaskRcnnV2Collection.Name)]
public sealed class R50MaskRcnnV2EndToEndParityTests(R50MaskRcnnV2Fixture m, ITestOutputHelper o) : R50EndToEndParity(m, o, masks: true, keypoints: false);

[Collection(R50KeypointRcnnCollection.Name)]
public sealed class R50KeypointRcnnStageParityTests(R50KeypointRcnnFixture m, ITestOutputHelper o) : R50StageParity(m, o);

[Collection(R50KeypointRcnnCollection.Name)]
public sealed class R50KeypointRcnnEndToEndParityTests(R50KeypointRcnnFixture m, ITestOutputHelper o) : R50EndToEndParity(m, o, masks: false, keypoints: true);

/// <summary>Every stage of an R50 model against torchvision's; the heads on 24 RoIs (R50's keypoint head is ~3.7 GMAC per RoI).</summary>
public abstract class R50StageParity(R50FpnFixtureBase model, ITestOutputHelper output)
    : StageParity(model.ModelDir, model.FramePath, model.Intermediates, output)
{
    protected override int HeadRoiLimit => 24;
}

/// <summary>The whole detector on an R50 model against torchvision's final detections.</summary>
public abstract class R50EndToEndParity(R50FpnFixtureBase model, ITestOutputHelper output, bool masks, bool keypoints)
{
    [Fact]
    public void Detect_MatchesTorchvisionsFinalDetections() => R50EndToEnd.Check(model, output, masks, keypoints);
}

internal static class R50EndToEnd
{
    /// <summary>
    /// The detector on the fixture's frame against torchvision's final detections; the model must have exactly the heads
    /// named, and enough detections must be compared for the check to mean something.
    /// </summary>
    public static void Check(R50FpnFixtureBase model, ITestOutputHelper output, bool masks, bool keypoints)
    {
        var expected = DetectionParity.ReadJsonl(model.ReferenceJsonl);
        Assert.Single(expected);
        var scores = expected[0].GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("score").GetSingle()).ToArray();
        using var detector = Detector.Load(model.ModelDir);
        Assert.Equal(masks, detector.Manifest.MaskHead is not null);
        Assert.Equal(keypoints, detector.Manifest.KeypointHead is not null);
        int perImage = detector.Manifest.BoxHead.Options.DetectionsPerImg;
        // Random heads score many boxes alike (all 100 kept ones can lie above 0.85, where a trained model's fall off):
        // the score threshold of the comparison is lifted just above the last kept score when torchvision's list is
        // full, since which of two near-tied boxes makes the top 100 is float noise.
        float minScore = scores.Length == perImage ? Math.Max(0.3f, scores[^1] + 2e-3f) : 0.3f;
        using var frame = Fixtures.LoadFrame(model.FramePath);
        var result = detector.Detect([frame])[0];
        Assert.True(result.IsSuccess, result.Error);
        var parity = new DetectionParity(minScore, randomInit: true);
        parity.Check(expected[0], result.Detected!.Detections, frame.Info.Height, frame.Info.Width, Path.GetFileName(model.FramePath));
        output.WriteLine($"{model.Arch}: {scores.Length} torchvision detections, scores {scores.Min():F4}..{scores.Max():F4}; " +
                         $"compared from {minScore:F4}: {parity}");
        Assert.True(parity.Matched >= 20, $"{parity}: too few detections compared");
        if (masks)
        {
            Assert.True(parity.Masks >= 20, $"{parity}: too few masks compared");
            Assert.True(parity.MaskPixelFlips <= parity.Masks / 10, $"{parity}: more than 10% of the masks only a pixel apart");
        }
        if (keypoints)
        {
            Assert.True(parity.KeypointSets >= 1, $"{parity}: no keypoint set compared");
            Assert.True(parity.KeypointTies <= parity.Keypoints / 20, $"{parity}: more than 5% of the keypoints only tied");
        }
    }
}
