using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Detector.Heads;
using MaskStream.Detector.Manifest;
using MaskStream.Detector.Rpn;
using MaskStream.Detector.Tests.Support;
using MaskStream.Kernels.Preprocess;
using MaskStream.Kernels.Resize;
using MaskStream.Kernels.RoiAlign;
using Microsoft.ML.OnnxRuntime;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>
/// The random-init tiny model's stages against torchvision's on frame 0 of fixtures/detector/frames.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class StageParityTests(TinyModelFixture model, ITestOutputHelper output)
    : StageParity(model.ModelDir, Path.Combine(model.FramesDir, "000001.png"), model.Intermediates, output);

/// <summary>
/// Each step between the graphs, fed torchvision's own tensors of the stage before (reference.py --intermediates of
/// one frame), against torchvision's tensors of that stage; each graph run by ONNX Runtime on torchvision's input of
/// that graph. Tolerances are stated per stage.
/// </summary>
public abstract class StageParity(string modelDir, string framePath, string intermediates, ITestOutputHelper output)
{
    private readonly ModelManifest _m = ModelManifestReader.Load(modelDir);

    private string ModelDir => modelDir;

    /// <summary>Mask and keypoint head outputs are compared on at most this many detections (R50's keypoint head is ~3.7 GMAC per RoI).</summary>
    protected virtual int HeadRoiLimit => int.MaxValue;

    private string Dir => Environment.GetEnvironmentVariable("MASKSTREAM_STAGE_DIR") ?? intermediates;

    private Npy T(string name) => Npy.Load(Path.Combine(Dir, name + ".npy"));

    [Fact]
    public void Preprocess_Frame0_MatchesTransformOutputWithin1e5()
    {
        using var frame = Fixtures.LoadFrame(framePath);
        var expected = T("image");
        var rule = new ResizeRule(_m.Resize.MinSize, _m.Resize.MaxSize, _m.Input.SizeDivisible);
        var (rh, rw) = rule.ResizedSize(frame.Info.Height, frame.Info.Width);
        var (ph, pw) = rule.PaddedSize(rh, rw);
        Assert.Equal(expected.Shape, new[] { 1, 3, ph, pw });
        var ours = new float[3 * ph * pw];
        new CpuPreprocess(Normalization.ImageNet, 1).Run(frame.Pixels.Pixels, frame.Info.Height, frame.Info.Width, rh, rw, ph, pw, ours);
        double max = MaxAbs(ours, expected.Data);
        output.WriteLine($"preprocess max |d| {max:E2}");
        Assert.True(max <= 1e-5, $"max |d| {max}");
    }

    [Fact]
    public void BackboneGraph_OnTorchvisionInput_MatchesFeaturesAndRpnOutputsWithin1e4Relative()
    {
        var image = T("image");
        using var session = new InferenceSession(Path.Combine(ModelDir, "backbone_rpn.onnx"));
        using var input = OrtValue.CreateTensorValueFromMemory(image.Data, image.Shape.Select(v => (long)v).ToArray());
        var names = _m.Levels.SelectMany(l => new[] { l.Feature, l.RpnObjectness, l.RpnDeltas }).ToArray();
        using var outputs = session.Run(new RunOptions(), [_m.Graphs.BackboneRpn.Inputs[0].Name], [input], names);
        for (int i = 0; i < names.Length; i++)
        {
            var expected = T(names[i]);
            var ours = outputs[i].GetTensorDataAsSpan<float>().ToArray();
            double max = MaxAbs(ours, expected.Data), scale = expected.Data.Max(Math.Abs);
            output.WriteLine($"{names[i]} max |d| {max:E2} (max |x| {scale:F2})");
            Assert.True(max <= 1e-4 * Math.Max(1, scale), $"{names[i]}: max |d| {max}");
        }
    }

    [Fact]
    public void AnchorsAndProposals_FromTorchvisionRpnOutputs_MatchAnchorsExactlyAndProposalsToAnUlp()
    {
        var image = T("image");
        int ph = image.Shape[2], pw = image.Shape[3];
        var levels = new RpnLevel[_m.Levels.Length];
        var grids = new GridSize[levels.Length];
        for (int l = 0; l < levels.Length; l++)
        {
            var obj = T(_m.Levels[l].RpnObjectness);
            var del = T(_m.Levels[l].RpnDeltas);
            grids[l] = new GridSize(obj.Shape[2], obj.Shape[3]);
            levels[l] = new RpnLevel(obj.Data, del.Data, obj.Shape[1], grids[l]);
        }
        var generator = new AnchorGenerator(_m.Anchors.Sizes.Select(s => (IReadOnlyList<float>)s.ToArray()).ToArray(), _m.Anchors.AspectRatios);
        var anchors = generator.Anchors(ph, pw, grids);
        Assert.Equal(T("anchors").Data, Flat(anchors));

        var (rh, rw) = ResizedSize();
        var proposals = new BoxF[_m.Rpn.PostNmsTopN];
        var scores = new float[proposals.Length];
        int n = new ProposalFilter(_m.Rpn).Filter(levels, anchors, rh, rw, proposals, scores);
        var expected = T("proposals");
        var expectedScores = T("proposal_scores");
        Assert.Equal(expected.Shape[0], n);
        // The same proposals to ~1 ulp (torch's vectorised exp differs from MathF.Exp by an ulp at most); the order
        // may differ only among exactly tied scores.
        double maxDiff = 0;
        int reordered = 0;
        var used = new bool[n];
        for (int i = 0; i < n; i++)
        {
            Assert.Equal(expectedScores.Data[i], scores[i], 0f);
            int match = -1;
            for (int k = 0; k < n && match < 0; k++)
            {
                int j = (i + k) % n; // own position first
                if (!used[j] && scores[j] == expectedScores.Data[i] && BoxDiff(proposals[j], expected.Data, i) <= 1e-3) match = j;
            }
            Assert.True(match >= 0, $"torchvision proposal {i} has no counterpart");
            used[match] = true;
            if (match != i) reordered++;
            maxDiff = Math.Max(maxDiff, BoxDiff(proposals[match], expected.Data, i));
        }
        output.WriteLine($"{n} proposals, max |d| {maxDiff:E2} px, {reordered} at another position among tied scores");
    }

    private static double BoxDiff(BoxF b, float[] flat, int i) => Math.Max(
        Math.Max(Math.Abs(b.X1 - flat[4 * i]), Math.Abs(b.Y1 - flat[4 * i + 1])),
        Math.Max(Math.Abs(b.X2 - flat[4 * i + 2]), Math.Abs(b.Y2 - flat[4 * i + 3])));

    [Fact]
    public void BoxStage_FromTorchvisionProposals_MatchesRoiFeaturesHeadOutputsAndDetections()
    {
        var proposals = Boxes(T("proposals"));
        var levels = PooledLevels();
        var (rh, rw) = ResizedSize();
        var ra = _m.BoxHead.RoiAlign;
        var pool = new MultiScaleRoIAlign(new CpuRoiAlign(1), ra.OutputHeight, ra.OutputWidth, ra.SamplingRatio, ra.Aligned);
        int per = _m.FeatureChannels * ra.OutputHeight * ra.OutputWidth;
        var features = new float[proposals.Length * per];
        pool.Run(levels, proposals.Select(b => new RoiBox(0, b.X1, b.Y1, b.X2, b.Y2)).ToArray(), rh, rw, features);
        var sample = T("box_roi_features_sample");
        double roiMax = MaxAbs(features.AsSpan(0, sample.Data.Length).ToArray(), sample.Data);
        output.WriteLine($"box RoIAlign max |d| {roiMax:E2}");
        Assert.True(roiMax <= 1e-4, $"box RoIAlign max |d| {roiMax}");

        using var session = new InferenceSession(Path.Combine(ModelDir, _m.Graphs.BoxHead.File));
        using var input = OrtValue.CreateTensorValueFromMemory(features, [proposals.Length, _m.FeatureChannels, ra.OutputHeight, ra.OutputWidth]);
        using var outs = session.Run(new RunOptions(), [_m.Graphs.BoxHead.Inputs[0].Name], [input],
            [_m.Graphs.BoxHead.Outputs[0].Name, _m.Graphs.BoxHead.Outputs[1].Name]);
        double logitsMax = MaxAbs(outs[0].GetTensorDataAsSpan<float>().ToArray(), T("class_logits").Data);
        double deltasMax = MaxAbs(outs[1].GetTensorDataAsSpan<float>().ToArray(), T("box_deltas").Data);
        output.WriteLine($"box head (ORT on our RoI features) max |d| logits {logitsMax:E2}, deltas {deltasMax:E2}");
        Assert.True(logitsMax <= 1e-3 && deltasMax <= 1e-3, $"box head max |d| {logitsMax}, {deltasMax}");

        var dets = new RawDetection[_m.BoxHead.Options.DetectionsPerImg];
        int n = new BoxPostprocessor(_m.BoxHead.Options).Run(T("class_logits").Data, T("box_deltas").Data, proposals,
            _m.NumClasses, rh, rw, dets);
        var eb = Boxes(T("detections_boxes"));
        var es = T("detections_scores").Data;
        var el = T("detections_labels").Data;
        Assert.Equal(eb.Length, n);
        // The same detections in the same order, except among scores tied to 1e-6 (a random head saturates many at
        // 1.0), whose order is the sort's, not the model's.
        double boxMax = 0, scoreMax = 0;
        int reordered = 0;
        var used = new bool[n];
        for (int i = 0; i < n; i++)
        {
            int match = -1;
            for (int k = 0; k < n && match < 0; k++)
            {
                int j = (i + k) % n; // own position first
                if (!used[j] && dets[j].Label == (int)el[i] && Math.Abs(dets[j].Score - es[i]) <= 1e-6 &&
                    MaxAbs(Flat([dets[j].Box]), Flat([eb[i]])) <= 1e-3)
                    match = j;
            }
            Assert.True(match >= 0, $"torchvision detection {i} (class {el[i]}, score {es[i]}) has no counterpart");
            used[match] = true;
            if (match != i) reordered++;
            boxMax = Math.Max(boxMax, MaxAbs(Flat([dets[match].Box]), Flat([eb[i]])));
            scoreMax = Math.Max(scoreMax, Math.Abs(dets[match].Score - es[i]));
        }
        output.WriteLine($"box postprocess: {n} detections, max |d box| {boxMax:E2}, max |d score| {scoreMax:E2}, " +
                         $"{reordered} at another position among tied scores");
        Assert.True(boxMax <= 1e-3 && scoreMax <= 1e-6, $"box postprocess max |d| {boxMax}, {scoreMax}");
    }

    [Fact]
    public void MaskAndKeypointStages_FromTorchvisionDetections_MatchTheModelsHeadsAndKeypoints()
    {
        var dets = Boxes(T("detections_boxes"));
        var labels = T("detections_labels").Data;
        var levels = PooledLevels();
        var (rh, rw) = ResizedSize();
        var rois = dets.Select(b => new RoiBox(0, b.X1, b.Y1, b.X2, b.Y2)).ToArray();
        var heads = new List<(RoiAlignSpec, GraphSpec, string, string)>();
        if (_m.MaskHead is not null) heads.Add((_m.MaskHead.RoiAlign, _m.Graphs.MaskHead!, "mask_roi_features_sample", "mask_logits"));
        if (_m.KeypointHead is not null)
            heads.Add((_m.KeypointHead.RoiAlign, _m.Graphs.KeypointHead!, "keypoint_roi_features_sample", "keypoint_heatmaps"));
        Assert.NotEmpty(heads);
        foreach (var (spec, graph, sampleName, outName) in heads)
        {
            var pool = new MultiScaleRoIAlign(new CpuRoiAlign(1), spec.OutputHeight, spec.OutputWidth, spec.SamplingRatio, spec.Aligned);
            int per = _m.FeatureChannels * spec.OutputHeight * spec.OutputWidth;
            var features = new float[rois.Length * per];
            pool.Run(levels, rois, rh, rw, features);
            var sample = T(sampleName);
            double roiMax = MaxAbs(features.AsSpan(0, sample.Data.Length).ToArray(), sample.Data);
            using var session = new InferenceSession(Path.Combine(ModelDir, graph.File));
            // The heads treat RoIs independently, so the first HeadRoiLimit rows stand for all of them.
            int n = Math.Min(rois.Length, HeadRoiLimit);
            using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, features.AsMemory(0, n * per),
                [n, _m.FeatureChannels, spec.OutputHeight, spec.OutputWidth]);
            using var outs = session.Run(new RunOptions(), [graph.Inputs[0].Name], [input], [graph.Outputs[0].Name]);
            var expected = T(outName);
            var expectedRows = expected.Data.AsSpan(0, expected.Data.Length / expected.Shape[0] * n).ToArray();
            double headMax = MaxAbs(outs[0].GetTensorDataAsSpan<float>().ToArray(), expectedRows);
            double scale = expectedRows.Max(Math.Abs);
            output.WriteLine($"{graph.Key}: RoIAlign max |d| {roiMax:E2}, head output of {n} RoIs max |d| {headMax:E2} (max |x| {scale:F1})");
            Assert.True(roiMax <= 1e-4, $"{graph.Key} RoIAlign max |d| {roiMax}");
            Assert.True(headMax <= 1e-4 * Math.Max(1, scale), $"{graph.Key} output max |d| {headMax}");
        }

        // Keypoints from torchvision's heatmaps, mapped to the original frame, against final_keypoints.
        if (_m.KeypointHead is null) return;
        var heatmaps = T("keypoint_heatmaps");
        var finalKp = T("final_keypoints");
        var finalScores = T("final_keypoints_scores");
        int j = heatmaps.Shape[1], m = heatmaps.Shape[2], maps = j * m * m;
        var decoder = new KeypointDecoder();
        var kps = new Keypoint[j];
        using var frame = Fixtures.LoadFrame(framePath);
        float ratioH = (float)frame.Info.Height / rh, ratioW = (float)frame.Info.Width / rw;
        double px = 0, score = 0;
        for (int d = 0; d < dets.Length; d++)
        {
            decoder.Decode(heatmaps.Data.AsSpan(d * maps, maps), m, dets[d], kps);
            for (int q = 0; q < j; q++)
            {
                px = Math.Max(px, Math.Abs(kps[q].X * ratioW - finalKp.Data[(d * j + q) * 3]));
                px = Math.Max(px, Math.Abs(kps[q].Y * ratioH - finalKp.Data[(d * j + q) * 3 + 1]));
                score = Math.Max(score, Math.Abs(kps[q].Score - finalScores.Data[d * j + q]));
            }
        }
        output.WriteLine($"keypoints of {dets.Length} detections: max |d| {px:E2} px, score {score:E2}; labels {labels.Length}");
        Assert.True(px <= 1e-3 && score <= 1e-4, $"keypoints max |d| {px} px, score {score}");
    }

    private (int H, int W) ResizedSize()
    {
        var idx = System.Text.Json.JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "index.json"))).RootElement;
        var r = idx.GetProperty("resized_size").Ints();
        return (r[0], r[1]);
    }

    private List<FeatureLevel> PooledLevels() => _m.Levels.Where(l => l.RoiPool).Select(l =>
    {
        var t = T(l.Feature);
        return new FeatureLevel(t.Data, t.Shape[0], t.Shape[1], t.Shape[2], t.Shape[3]);
    }).ToList();

    private static BoxF[] Boxes(Npy t) => Enumerable.Range(0, t.Shape[0])
        .Select(i => new BoxF(t.Data[4 * i], t.Data[4 * i + 1], t.Data[4 * i + 2], t.Data[4 * i + 3])).ToArray();

    private static float[] Flat(BoxF[] boxes) => boxes.SelectMany(b => new[] { b.X1, b.Y1, b.X2, b.Y2 }).ToArray();

    private static double MaxAbs(float[] a, float[] b)
    {
        Assert.Equal(b.Length, a.Length);
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
