using MaskStream.Detector.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>
/// A random-init ResNet-50-FPN with box, mask and keypoint heads, exported and run by torchvision in the test:
/// every stage (features and RPN outputs, anchors, proposals, RoI features, box/mask/keypoint head outputs, box
/// post-processing, keypoint decoding) at the tolerances of <see cref="StageParity"/>, on one 500x375 frame.
/// </summary>
[Collection(R50FpnCollection.Name)]
public sealed class R50FpnStageParityTests(R50FpnFixture model, ITestOutputHelper output)
    : StageParity(model.ModelDir, model.FramePath, model.Intermediates, output)
{
    protected override int HeadRoiLimit => 24;
}

/// <summary>The same R50-FPN model through the whole detector against torchvision's final detections.</summary>
[Collection(R50FpnCollection.Name)]
public sealed class R50FpnEndToEndParityTests(R50FpnFixture model, ITestOutputHelper output)
{
    [Fact]
    public void Detect_R50FpnWithThreeHeads_MatchesTorchvisionsFinalDetections()
    {
        var expected = DetectionParity.ReadJsonl(model.ReferenceJsonl);
        Assert.Single(expected);
        var scores = expected[0].GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("score").GetSingle()).ToArray();
        using var detector = Detector.Load(model.ModelDir);
        int perImage = detector.Manifest.BoxHead.Options.DetectionsPerImg;
        // Random heads score many boxes alike (here all 100 kept ones above 0.85, where a trained model's fall off):
        // the score threshold of the comparison is lifted just above the last kept score when torchvision's list is
        // full, since which of two near-tied boxes makes the top 100 is float noise.
        float minScore = scores.Length == perImage ? Math.Max(0.3f, scores[^1] + 2e-3f) : 0.3f;
        using var frame = Fixtures.LoadFrame(model.FramePath);
        var result = detector.Detect([frame])[0];
        Assert.True(result.IsSuccess, result.Error);
        var parity = new DetectionParity(minScore);
        parity.Check(expected[0], result.Detected!.Detections, frame.Info.Height, frame.Info.Width, Path.GetFileName(model.FramePath));
        output.WriteLine($"{scores.Length} torchvision detections, scores {scores.Min():F4}..{scores.Max():F4}; compared from {minScore:F4}: {parity}");
        Assert.True(parity.Matched >= 50 && parity.Masks >= 50, $"{parity}: too few detections compared");
    }
}
