using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Detector.Tests.Support;
using MaskStream.Kernels.Resize;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>
/// The shipped model (models/maskstream-tiny as checked out) against torchvision on the same weights, with
/// torchvision's outputs computed in the test run, so the test follows the model as it is retrained: eight crowded
/// frames one at a time, and a batch of frames of different sizes (several cameras) in one call.
/// </summary>
[Collection(ShippedModelCollection.Name)]
public sealed class ShippedModelParityTests(ShippedModelFixture model, ITestOutputHelper output)
{
    private const float MinScore = 0.3f;

    [Fact]
    public void Detect_ShippedModelOnEightCrowdedFrames_MatchesTorchvision()
    {
        using var detector = Detector.Load(model.ModelDir);
        var expected = DetectionParity.ReadJsonl(model.ReferenceJsonl);
        Assert.Equal(8, expected.Length);
        var parity = new DetectionParity(MinScore);
        foreach (var frameJson in expected)
        {
            string source = frameJson.GetProperty("source").GetString()!;
            using var frame = Fixtures.LoadFrame(Path.Combine(model.FramesDir, source));
            var result = detector.Detect([frame])[0];
            Assert.True(result.IsSuccess, result.Error);
            parity.Check(frameJson, result.Detected!.Detections, frame.Info.Height, frame.Info.Width, source);
        }
        output.WriteLine(parity.ToString());
        // The partially trained model finds ~25 objects >= 0.3 per frame, ~19 of them people; a retrained one more.
        Assert.True(parity.Matched >= 80 && parity.KeypointSets >= 40,
            $"{parity}: too few detections or people to test masks and keypoints");
    }

    [Fact]
    public void Detect_MixedSizeBatch_MatchesTorchvisionsBatchedForward()
    {
        var frames = model.BatchFrames.Select((f, i) => Fixtures.LoadFrame(f, i)).ToArray();
        try
        {
            var batch = JsonDocument.Parse(File.ReadAllBytes(model.BatchJson)).RootElement;
            using var detector = Detector.Load(model.ModelDir);
            // The frames really are of different sizes after the resize rule, so the batch pads some of them.
            var rule = new ResizeRule(detector.Manifest.Resize.MinSize, detector.Manifest.Resize.MaxSize, detector.Manifest.Input.SizeDivisible);
            var sizes = frames.Select(f => rule.ResizedSize(f.Info.Height, f.Info.Width)).ToArray();
            var tvSizes = batch.GetProperty("resized_sizes").EnumerateArray().Select(s => s.Ints()).ToArray();
            for (int i = 0; i < frames.Length; i++) Assert.Equal(tvSizes[i], new[] { sizes[i].Height, sizes[i].Width });
            Assert.True(sizes.Distinct().Count() >= 3, "the batch frames should resize to at least three sizes");

            var results = detector.Detect(frames);
            var expected = DetectionParity.ReadJsonl(model.BatchedJsonl);
            var parity = new DetectionParity(MinScore);
            for (int i = 0; i < frames.Length; i++)
            {
                Assert.True(results[i].IsSuccess, results[i].Error);
                parity.Check(expected[i], results[i].Detected!.Detections, frames[i].Info.Height, frames[i].Info.Width,
                    $"batched {Path.GetFileName(model.BatchFrames[i])}");
            }
            var padded = batch.GetProperty("padded_size").Ints();
            output.WriteLine($"batch of {frames.Length} padded to {padded[0]}x{padded[1]}; vs torchvision batched: {parity}");
            Assert.True(parity.Matched >= 30, $"{parity}: too few detections to test");
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Fact]
    public void Detect_MixedSizeBatch_GivesEachFrameItsResultAlone()
    {
        var frames = model.BatchFrames.Select((f, i) => Fixtures.LoadFrame(f, i)).ToArray();
        try
        {
            using var detector = Detector.Load(model.ModelDir);
            var batched = detector.Detect(frames);
            var alone = frames.Select(f => detector.Detect([f])[0]).ToArray();
            var tvBatched = DetectionParity.ReadJsonl(model.BatchedJsonl);
            var tvAlone = DetectionParity.ReadJsonl(model.AloneJsonl);
            // Alone, each frame is torchvision's single-frame answer.
            var aloneParity = new DetectionParity(MinScore);
            for (int i = 0; i < frames.Length; i++)
                aloneParity.Check(tvAlone[i], alone[i].Detected!.Detections, frames[i].Info.Height, frames[i].Info.Width,
                    $"alone {Path.GetFileName(model.BatchFrames[i])}");
            output.WriteLine($"alone vs torchvision alone: {aloneParity}");

            // Batched vs alone: padding to the batch size changes a frame's features (below and right of the frame
            // the convolutions no longer see their own zero padding but activations of the zero-filled pad, and the
            // tiny backbone's receptive field is most of the frame) and the 'pool' level's anchor strides. That holds
            // for torchvision as for us (PARITY §2): measured on these frames, 77 of torchvision's 100 detections
            // >= 0.3 alone have a batched twin (same class, IoU >= 0.9, |d score| <= 0.05). So "the same as alone"
            // is asserted as "as close to alone as torchvision is": the same agreement count, give or take 2.
            var (ours, oursTotal, oursWorst) = Agreement(batched.Select(r => (IReadOnlyList<Detection>)r.Detected!.Detections).ToArray(),
                alone.Select(r => (IReadOnlyList<Detection>)r.Detected!.Detections).ToArray());
            var (tv, tvTotal, tvWorst) = Agreement(tvBatched.Select(ToDetections).ToArray(), tvAlone.Select(ToDetections).ToArray());
            output.WriteLine($"batched vs alone (score >= {MinScore}): ours {ours}/{oursTotal} matched (IoU >= 0.9, |d score| <= 0.05), " +
                             $"min IoU of matched {oursWorst:F4}; torchvision {tv}/{tvTotal}, min IoU {tvWorst:F4}");
            Assert.True(oursTotal >= 30, $"only {oursTotal} detections alone: too few to test");
            Assert.Equal((double)tvTotal, oursTotal, 0.05 * tvTotal);
            Assert.True(Math.Abs(ours - tv) <= Math.Max(2, 0.05 * tvTotal), $"ours {ours}/{oursTotal} vs torchvision {tv}/{tvTotal}");
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    /// <summary>How many of the frames' alone detections (score ≥ MinScore) the batch has too (same class, IoU ≥ 0.9).</summary>
    private static (int Matched, int Total, double WorstIou) Agreement(IReadOnlyList<Detection>[] batched, IReadOnlyList<Detection>[] alone)
    {
        int matched = 0, total = 0;
        double worst = 1;
        for (int f = 0; f < alone.Length; f++)
        {
            var used = new bool[batched[f].Count];
            foreach (var a in alone[f])
            {
                if (a.Score < MinScore) continue;
                total++;
                int best = -1;
                float bestIou = 0;
                for (int i = 0; i < batched[f].Count; i++)
                {
                    var b = batched[f][i];
                    if (used[i] || b.ClassId != a.ClassId || Math.Abs(b.Score - a.Score) > 0.05f) continue;
                    float iou = BoxF.Iou(a.Box, b.Box);
                    if (iou > bestIou) (best, bestIou) = (i, iou);
                }
                if (best < 0 || bestIou < 0.9f) continue;
                used[best] = true;
                matched++;
                worst = Math.Min(worst, bestIou);
            }
        }
        return (matched, total, worst);
    }

    private static IReadOnlyList<Detection> ToDetections(JsonElement frame) => frame.GetProperty("objects").EnumerateArray()
        .Select(o =>
        {
            var b = o.GetProperty("bbox").Floats();
            return new Detection(o.GetProperty("class_id").GetInt32(), o.GetProperty("score").GetSingle(), new BoxF(b[0], b[1], b[2], b[3]), null,
                System.Collections.Immutable.ImmutableArray<Keypoint>.Empty);
        }).ToArray();
}
