using System.Collections.Immutable;
using System.Text.Json;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Detector.Tests.Support;

/// <summary>
/// Issue 5's parity criteria between torchvision's detections of one frame (a reference.py JSONL record) and ours:
/// every torchvision detection scoring at least MinScore is matched one-to-one by class with box IoU ≥ 0.99,
/// |Δscore| ≤ 0.01, mask IoU ≥ 0.97 and keypoints within 1 px; and none of ours scoring 0.01 above MinScore is left
/// without a torchvision partner. Accumulates the worst figures over the frames it is given.
/// <para>
/// <paramref name="randomInit"/> is for random-init models only, whose heads put much of their output on the decision
/// boundaries, where float noise decides: a keypoint further than 1 px from torchvision's is accepted where both sides
/// found a heatmap maximum of the same value (|Δscore| ≤ 1e-4 relative), i.e. the argmax of a near-tie went the other
/// way (counted in <see cref="KeypointTies"/>, which the caller bounds); and a mask under 0.97 IoU is accepted when it
/// differs from torchvision's in a single pixel (a mask of a few dozen pixels, a logit at 0; counted in
/// <see cref="MaskPixelFlips"/>). Trained models are compared strictly.
/// </para>
/// </summary>
internal sealed class DetectionParity(float minScore, bool randomInit = false)
{
    public const double MinBoxIou = 0.99, MaxScoreDiff = 0.01, MinMaskIou = 0.97, MaxKeypointPx = 1.0;

    public int Matched { get; private set; }
    public int Masks { get; private set; }
    public int KeypointSets { get; private set; }
    public int Keypoints { get; private set; }
    public int KeypointTies { get; private set; }
    public int MaskPixelFlips { get; private set; }
    public double WorstBoxIou { get; private set; } = 1;
    public double WorstScore { get; private set; }
    public double WorstMaskIou { get; private set; } = 1;
    public double WorstKeypointPx { get; private set; }
    public double WorstOwnScore { get; private set; }

    /// <summary>Asserts the criteria for one frame; <paramref name="what"/> names the frame in messages.</summary>
    public void Check(JsonElement expectedFrame, ImmutableArray<Detection> ours, int height, int width, string what)
    {
        var used = new bool[ours.Length];
        foreach (var obj in expectedFrame.GetProperty("objects").EnumerateArray())
        {
            float score = obj.GetProperty("score").GetSingle();
            if (score < minScore) continue;
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
            Assert.True(best >= 0 && bestIou >= MinBoxIou, $"{what}: torchvision's class {label} {box} score {score} has no match (best IoU {bestIou})");
            used[best] = true;
            Matched++;
            var d = ours[best];
            WorstBoxIou = Math.Min(WorstBoxIou, bestIou);
            WorstScore = Math.Max(WorstScore, Math.Abs(d.Score - score));
            Assert.True(Math.Abs(d.Score - score) <= MaxScoreDiff, $"{what}: {box} score {d.Score} vs torchvision's {score}");
            // The mask's and the pose's own scores, computed by reference.py from torchvision's mask probabilities and
            // keypoint logits: the same tolerance as the box score.
            CheckOwnScore(obj, "mask_score", d.MaskScore, box, what);
            CheckOwnScore(obj, "keypoint_score", d.KeypointScore, box, what);
            if (obj.TryGetProperty("mask", out var m))
            {
                var mask = RleMask.FromCompressedString(m.GetProperty("counts").GetString()!, height, width);
                Assert.NotNull(d.Mask);
                double maskIou = mask.Area == 0 && d.Mask.Area == 0 ? 1 : RleMask.PixelIou(d.Mask, mask, false);
                Masks++;
                // |A xor B| = |A| + |B| - 2 |A and B|, and |A and B| = IoU (|A| + |B|) / (1 + IoU)
                double sum = (double)mask.Area + d.Mask.Area, differing = sum - 2 * maskIou * sum / (1 + maskIou);
                if (maskIou < MinMaskIou && randomInit && differing < 1.5)
                {
                    MaskPixelFlips++;
                }
                else
                {
                    WorstMaskIou = Math.Min(WorstMaskIou, maskIou);
                    Assert.True(maskIou >= MinMaskIou, $"{what}: {box} mask IoU {maskIou} ({differing:F0} pixels differ)");
                }
            }
            if (obj.TryGetProperty("keypoints", out var kps))
            {
                var k = kps.EnumerateArray().Select(p => p.Floats()).ToArray();
                Assert.Equal(k.Length, d.Keypoints.Length);
                double px = 0;
                for (int j = 0; j < k.Length; j++)
                {
                    double dj = Math.Max(Math.Abs(k[j][0] - d.Keypoints[j].X), Math.Abs(k[j][1] - d.Keypoints[j].Y));
                    Keypoints++;
                    if (dj > MaxKeypointPx && randomInit && Math.Abs(d.Keypoints[j].Score - k[j][2]) <= 1e-4 * Math.Max(1, Math.Abs(k[j][2])))
                    {
                        KeypointTies++;
                        continue;
                    }
                    px = Math.Max(px, dj);
                }
                WorstKeypointPx = Math.Max(WorstKeypointPx, px);
                KeypointSets++;
                Assert.True(px <= MaxKeypointPx, $"{what}: {box} keypoints {px} px from torchvision's");
            }
            else
            {
                Assert.True(d.Keypoints.IsEmpty, $"{what}: {box} has keypoints that torchvision's has not");
            }
        }
        for (int i = 0; i < ours.Length; i++)
            Assert.True(used[i] || ours[i].Score < minScore + MaxScoreDiff,
                $"{what}: our class {ours[i].ClassId} {ours[i].Box} score {ours[i].Score} has no torchvision counterpart");
    }

    private void CheckOwnScore(JsonElement obj, string name, float? ours, BoxF box, string what)
    {
        if (!obj.TryGetProperty(name, out var v))
        {
            Assert.True(ours is null, $"{what}: {box} has a {name} that torchvision's has not");
            return;
        }
        Assert.True(ours is not null, $"{what}: {box} has no {name}; torchvision's is {v.GetSingle()}");
        double diff = Math.Abs(ours.Value - v.GetSingle());
        WorstOwnScore = Math.Max(WorstOwnScore, diff);
        Assert.True(diff <= MaxScoreDiff, $"{what}: {box} {name} {ours} vs torchvision's {v.GetSingle()}");
    }

    public override string ToString() =>
        $"matched {Matched} ({Masks} masks, {KeypointSets} keypoint sets): min box IoU {WorstBoxIou:F5}, max |d score| {WorstScore:E2}, " +
        $"max |d mask_score|, |d keypoint_score| {WorstOwnScore:E2}, " +
        $"min mask IoU {WorstMaskIou:F4}, max keypoint distance {WorstKeypointPx:F4} px" +
        (randomInit ? $"; {KeypointTies} of {Keypoints} keypoints on a tied heatmap maximum elsewhere, {MaskPixelFlips} masks one pixel apart" : "");

    /// <summary>Reads a reference JSONL file.</summary>
    public static JsonElement[] ReadJsonl(string path) =>
        File.ReadAllLines(path).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
}
