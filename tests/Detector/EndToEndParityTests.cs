using System.Text.Json;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Detector.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>
/// The whole detector against torchvision's own model on the same weights and frames (tools/model/reference.py):
/// every torchvision detection with score ≥ 0.3 is matched one-to-one by class with box IoU ≥ 0.99, |Δscore| ≤ 0.01,
/// mask IoU ≥ 0.97 and keypoints within 1 px.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class EndToEndParityTests(TinyModelFixture model, ITestOutputHelper output)
{
    private const float MinScore = 0.3f;

    [Fact]
    public void Detect_TinyModelOnThreeFrames_MatchesTorchvisionDetections()
    {
        using var detector = Detector.Load(model.ModelDir);
        var expected = File.ReadAllLines(model.ReferenceJsonl).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(3, expected.Length);
        double minBoxIou = 1, minMaskIou = 1, maxScore = 0, maxKeypointPx = 0;
        int matched = 0;
        foreach (var frameJson in expected)
        {
            string source = frameJson.GetProperty("source").GetString()!;
            using var frame = Fixtures.LoadFrame(Path.Combine(model.FramesDir, source));
            var result = detector.Detect([frame])[0];
            Assert.True(result.IsSuccess, result.Error);
            var ours = result.Detected!.Detections;
            var used = new bool[ours.Length];
            foreach (var obj in frameJson.GetProperty("objects").EnumerateArray())
            {
                float score = obj.GetProperty("score").GetSingle();
                if (score < MinScore) continue;
                int label = obj.GetProperty("class_id").GetInt32();
                var b = obj.GetProperty("bbox").Floats();
                var box = new BoxF(b[0], b[1], b[2], b[3]);
                int best = -1;
                float bestIou = 0;
                for (int i = 0; i < ours.Length; i++)
                {
                    if (used[i] || ours[i].ClassId != label) continue;
                    float iou = BoxF.Iou(box, ours[i].Box);
                    if (iou > bestIou) (best, bestIou) = (i, iou);
                }
                Assert.True(best >= 0 && bestIou >= 0.99f,
                    $"{source}: torchvision's {label} {box} score {score} has no match (best IoU {bestIou})");
                used[best] = true;
                matched++;
                var d = ours[best];
                minBoxIou = Math.Min(minBoxIou, bestIou);
                maxScore = Math.Max(maxScore, Math.Abs(d.Score - score));
                var m = obj.GetProperty("mask");
                var mask = RleMask.FromCompressedString(m.GetProperty("counts").GetString()!, frame.Info.Height, frame.Info.Width);
                double maskIou = mask.Area == 0 && d.Mask!.Area == 0 ? 1 : RleMask.PixelIou(d.Mask!, mask, false);
                minMaskIou = Math.Min(minMaskIou, maskIou);
                if (obj.TryGetProperty("keypoints", out var kps))
                {
                    var k = kps.EnumerateArray().Select(p => p.Floats()).ToArray();
                    Assert.Equal(k.Length, d.Keypoints.Length);
                    for (int j = 0; j < k.Length; j++)
                        maxKeypointPx = Math.Max(maxKeypointPx, Math.Max(Math.Abs(k[j][0] - d.Keypoints[j].X), Math.Abs(k[j][1] - d.Keypoints[j].Y)));
                }
                else
                {
                    Assert.True(d.Keypoints.IsEmpty);
                }
            }
        }
        output.WriteLine($"matched {matched}: min box IoU {minBoxIou:F5}, max |dscore| {maxScore:E2}, min mask IoU {minMaskIou:F4}, max keypoint px {maxKeypointPx:F4}");
        Assert.True(matched >= 10, $"only {matched} torchvision detections >= {MinScore}: the fixture model detects too little to test");
        Assert.True(maxScore <= 0.01, $"max |dscore| {maxScore}");
        Assert.True(minMaskIou >= 0.97, $"min mask IoU {minMaskIou}");
        Assert.True(maxKeypointPx <= 1.0, $"max keypoint distance {maxKeypointPx} px");
    }
}
