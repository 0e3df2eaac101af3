using System.Collections.Immutable;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Detector.Heads;
using MaskStream.Detector.Manifest;
using MaskStream.Detector.Rpn;
using MaskStream.Detector.Runtime;
using MaskStream.Kernels.MaskPaste;
using MaskStream.Kernels.Preprocess;
using MaskStream.Kernels.Resize;
using MaskStream.Kernels.RoiAlign;
using Microsoft.ML.OnnxRuntime;

namespace MaskStream.Detector;

/// <summary>
/// Mask R-CNN / Keypoint R-CNN on a split model (docs/MODEL_FORMAT.md): ONNX Runtime runs the graphs, everything
/// between them is ours and reproduces torchvision 0.14 (docs PARITY.md). Frames of one call form one batch, padded
/// as torchvision pads (so a frame's result depends on its batch-mates' sizes, as in torchvision). Scratch buffers
/// belong to the instance and only grow; one <see cref="Detect"/> at a time per instance.
/// </summary>
public sealed class Detector : IDisposable
{
    private readonly DetectorOptions _options;
    private readonly OnnxGraphs _graphs;
    private readonly ResizeRule _resize;
    private readonly CpuPreprocess _preprocess;
    private readonly AnchorGenerator _anchorGenerator;
    private readonly ProposalFilter _proposalFilter;
    private readonly BoxPostprocessor _boxPostprocessor;
    private readonly MultiScaleRoIAlign _boxPool;
    private readonly MultiScaleRoIAlign? _maskPool, _keypointPool;
    private readonly IMaskPasteKernel? _maskPaste;
    private readonly DetectorKernels _kernels;
    private readonly ParallelKeypointDecoder _keypointDecoder;
    // Keypoint RoIs are a subset of the mask RoIs (the keypoint class's detections, same order); with the same
    // pooling the mask head's RoI features already hold theirs (torchvision pools them twice).
    private readonly bool _keypointsReuseMaskFeatures;
    private readonly GraphIo _backboneIo, _boxIo;
    private readonly GraphIo? _maskIo, _keypointIo;
    private readonly RunOptions _runOptions = new();
    private readonly BatchScratch _s;
    private readonly object _gate = new();

    private Detector(ModelManifest manifest, DetectorOptions options, OnnxGraphs graphs, DetectorKernels kernels)
    {
        Manifest = manifest;
        _options = options;
        _graphs = graphs;
        _kernels = kernels;
        var m = manifest;
        _resize = new ResizeRule(m.Resize.MinSize, m.Resize.MaxSize, m.Input.SizeDivisible);
        _preprocess = new CpuPreprocess(new Normalization(m.Input.Mean[0], m.Input.Mean[1], m.Input.Mean[2],
            m.Input.Std[0], m.Input.Std[1], m.Input.Std[2]), options.IntraOpThreads);
        _anchorGenerator = new AnchorGenerator(m.Anchors.Sizes.Select(s => (IReadOnlyList<float>)s.ToArray()).ToArray(), m.Anchors.AspectRatios);
        _proposalFilter = new ProposalFilter(m.Rpn);
        _boxPostprocessor = new BoxPostprocessor(m.BoxHead.Options);
        var roiAlign = kernels.RoiAlign;
        _boxPool = Pool(roiAlign, m.BoxHead.RoiAlign, m.LevelMapper);
        if (m.MaskHead is not null)
        {
            _maskPool = Pool(roiAlign, m.MaskHead.RoiAlign, m.LevelMapper);
            _maskPaste = kernels.MaskPaste;
        }
        _keypointDecoder = new ParallelKeypointDecoder(options.IntraOpThreads == 0 ? Environment.ProcessorCount : options.IntraOpThreads,
            options.KeypointSubpixel);
        if (m.KeypointHead is not null) _keypointPool = Pool(roiAlign, m.KeypointHead.RoiAlign, m.LevelMapper);
        _keypointsReuseMaskFeatures = m.MaskHead is not null && m.KeypointHead is not null && SamePooling(m.MaskHead.RoiAlign, m.KeypointHead.RoiAlign);
        var levels = m.Levels;
        _backboneIo = new GraphIo(graphs.BackboneRpn, m.Graphs.BackboneRpn.Inputs[0].Name,
            [.. levels.Select(l => l.Feature), .. levels.Select(l => l.RpnObjectness), .. levels.Select(l => l.RpnDeltas)]);
        _boxIo = new GraphIo(graphs.BoxHead, m.Graphs.BoxHead.Inputs[0].Name,
            [m.Graphs.BoxHead.Outputs[0].Name, m.Graphs.BoxHead.Outputs[1].Name]);
        if (graphs.MaskHead is not null)
            _maskIo = new GraphIo(graphs.MaskHead, m.Graphs.MaskHead!.Inputs[0].Name, [m.Graphs.MaskHead.Outputs[0].Name]);
        if (graphs.KeypointHead is not null)
            _keypointIo = new GraphIo(graphs.KeypointHead, m.Graphs.KeypointHead!.Inputs[0].Name, [m.Graphs.KeypointHead.Outputs[0].Name]);
        _s = new BatchScratch(levels.Length);
    }

    public ModelManifest Manifest { get; }

    /// <summary>Stage times of the last successful batch.</summary>
    public DetectorStageTimes LastStageTimes => _times;

    private DetectorStageTimes _times;
    private long _clock;

    private TimeSpan Lap() => DetectorStageTimes.Since(ref _clock, _options.StageClock);

    /// <summary>Reads model.json, opens and checks the graphs. Throws <see cref="DetectorException"/> with one clear line.</summary>
    public static Detector Load(string modelDirectory, DetectorOptions? options = null)
    {
        options ??= new DetectorOptions();
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new DetectorException(e.Message.Split(" (Parameter")[0], e);
        }
        var manifest = ModelManifestReader.Load(modelDirectory);
        var graphs = OnnxGraphs.Create(manifest, options);
        try
        {
            return new Detector(manifest, options, graphs,
                DetectorKernels.Create(options.Kernels ?? DetectorKernels.DefaultFor(options.Device), options.IntraOpThreads, options.MaskPaste));
        }
        catch
        {
            graphs.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Detects objects in a batch of frames. Result i belongs to frame i; a bad frame gets an error result and the
    /// others are still processed. Detections: xyxy boxes in frame pixels, full-frame masks, keypoints of the
    /// model's keypoint class, in descending score order.
    /// </summary>
    public DetectResult[] Detect(IReadOnlyList<Frame> frames)
    {
        ArgumentNullException.ThrowIfNull(frames);
        var results = new DetectResult[frames.Count];
        lock (_gate)
        {
            _s.Valid.Clear();
            for (int i = 0; i < frames.Count; i++)
            {
                string? problem = FrameCheck.Problem(frames[i], _options);
                if (problem is null) _s.Valid.Add(i);
                else results[i] = DetectResult.Failure(frames[i]?.Info ?? UnknownFrame, problem);
            }
            if (_s.Valid.Count == 0) return results;
            try
            {
                RunBatch(frames, results);
            }
            catch (OnnxRuntimeException e)
            {
                foreach (int i in _s.Valid)
                    results[i] = DetectResult.Failure(frames[i].Info, $"inference failed: {e.Message.Split('\n')[0]}");
            }
        }
        return results;
    }

    public void Dispose()
    {
        _graphs.Dispose();
        _kernels.Dispose();
        _runOptions.Dispose();
    }

    private static readonly FrameInfo UnknownFrame = new("", -1, default, null, 0, 0);

    private void RunBatch(IReadOnlyList<Frame> frames, DetectResult[] results)
    {
        var s = _s;
        int n = s.Valid.Count;
        _times = default;
        _clock = DetectorStageTimes.Now(_options.StageClock);
        s.BeginBatch(n);
        int maxH = 0, maxW = 0;
        for (int b = 0; b < n; b++)
        {
            var info = frames[s.Valid[b]].Info;
            var (rh, rw) = _resize.ResizedSize(info.Height, info.Width);
            s.Resized[b] = (rh, rw);
            maxH = Math.Max(maxH, rh);
            maxW = Math.Max(maxW, rw);
        }
        var (ph, pw) = _resize.PaddedSize(maxH, maxW);
        int plane = 3 * ph * pw;
        var image = s.Floats(ref s.Image, n * plane);
        for (int b = 0; b < n; b++)
        {
            var f = frames[s.Valid[b]];
            _preprocess.Run(f.Pixels.Pixels, f.Info.Height, f.Info.Width, s.Resized[b].Height, s.Resized[b].Width, ph, pw,
                image.AsSpan(b * plane, plane));
        }

        _times.Preprocess = Lap();
        using var backboneOut = _backboneIo.Run(_runOptions, image.AsMemory(0, n * plane), [n, 3, ph, pw]);
        _times.BackboneRpn = Lap();
        var pooledLevels = BackboneLevels(backboneOut, n, ph, pw, out var anchors);

        int totalProposals = Proposals(backboneOut, n, anchors);
        _times.Proposals = Lap();
        int totalDetections = BoxHead(pooledLevels, totalProposals, maxH, maxW);
        if (totalDetections > 0 && _maskIo is not null) Masks(pooledLevels, frames, totalDetections, maxH, maxW);
        if (totalDetections > 0 && _keypointIo is not null) Keypoints(pooledLevels, frames, totalDetections, maxH, maxW);
        for (int b = 0; b < n; b++) results[s.Valid[b]] = DetectResult.Success(BuildFrame(frames[s.Valid[b]].Info, b));
    }

    /// <summary>Feature maps of the RoI-pooled levels, and the anchors of this padded size.</summary>
    private List<FeatureLevel> BackboneLevels(GraphOutputs outputs, int n, int ph, int pw, out BoxF[] anchors)
    {
        var s = _s;
        int levels = Manifest.Levels.Length;
        s.Pooled.Clear();
        for (int l = 0; l < levels; l++)
        {
            var feature = outputs.Tensor(l, out var shape);
            s.Grids[l] = new GridSize((int)shape[2], (int)shape[3]);
            if (Manifest.Levels[l].RoiPool)
                s.Pooled.Add(new FeatureLevel(s.FeatureMemory[l].Wrap(feature), n, (int)shape[1], (int)shape[2], (int)shape[3]));
        }
        anchors = _anchorGenerator.Anchors(ph, pw, s.Grids);
        return s.Pooled;
    }

    /// <summary>RPN post-processing per image; fills the RoI list (batch index, proposal). Returns the total.</summary>
    private int Proposals(GraphOutputs outputs, int n, BoxF[] anchors)
    {
        var s = _s;
        int levels = Manifest.Levels.Length, postN = Manifest.Rpn.PostNmsTopN;
        s.EnsureRois(n * postN);
        int offset = 0;
        for (int b = 0; b < n; b++)
        {
            for (int l = 0; l < levels; l++)
            {
                int a = Manifest.Anchors.AnchorsPerLocation(l);
                var g = s.Grids[l];
                int count = a * g.Height * g.Width;
                var obj = outputs.Tensor(levels + l, out _);
                var del = outputs.Tensor(2 * levels + l, out _);
                s.RpnLevels[l] = new RpnLevel(
                    s.ObjectnessMemory[l].Wrap(obj.Slice(b * count, count)),
                    s.DeltaMemory[l].Wrap(del.Slice(b * 4 * count, 4 * count)), a, g);
            }
            var (rh, rw) = s.Resized[b];
            int k = _proposalFilter.Filter(s.RpnLevels, anchors, rh, rw, s.Proposals.AsSpan(offset, postN),
                s.ProposalScores.AsSpan(offset, postN));
            s.ProposalStart[b] = offset;
            s.ProposalCount[b] = k;
            for (int i = 0; i < k; i++)
            {
                var p = s.Proposals[offset + i];
                s.Rois[offset + i] = new RoiBox(b, p.X1, p.Y1, p.X2, p.Y2);
            }
            offset += k;
        }
        return offset;
    }

    /// <summary>Box RoIAlign, the box head graph and its post-processing. Returns the detections kept over the batch.</summary>
    private int BoxHead(List<FeatureLevel> levels, int r, int maxH, int maxW)
    {
        var s = _s;
        int n = s.Valid.Count, k = Manifest.NumClasses, perImage = Manifest.BoxHead.Options.DetectionsPerImg;
        s.EnsureDetections(n * perImage);
        if (r == 0)
        {
            for (int b = 0; b < n; b++) s.DetectionCount[b] = 0;
            return 0;
        }
        var ra = Manifest.BoxHead.RoiAlign;
        int c = Manifest.FeatureChannels, per = c * ra.OutputHeight * ra.OutputWidth;
        var features = s.Floats(ref s.RoiFeatures, r * per);
        _boxPool.Run(levels, s.Rois.AsSpan(0, r), maxH, maxW, features.AsSpan(0, r * per));
        _times.BoxRoiAlign = Lap();
        using var outputs = _boxIo.Run(_runOptions, features.AsMemory(0, r * per), [r, c, ra.OutputHeight, ra.OutputWidth]);
        _times.BoxHead = Lap();
        var logits = outputs.Tensor(0, out _);
        var deltas = outputs.Tensor(1, out _);
        int total = 0;
        for (int b = 0; b < n; b++)
        {
            int start = s.ProposalStart[b], count = s.ProposalCount[b];
            var (rh, rw) = s.Resized[b];
            var dets = s.Detections.AsSpan(b * perImage, perImage);
            int d = _boxPostprocessor.Run(logits.Slice(start * k, count * k), deltas.Slice(start * 4 * k, count * 4 * k),
                s.Proposals.AsSpan(start, count), k, rh, rw, dets);
            // Detections are in score order: the score cut before the mask and keypoint heads is a truncation.
            while (d > 0 && dets[d - 1].Score < _options.ScoreThreshold) d--;
            s.DetectionCount[b] = d;
            total += d;
        }
        _times.BoxPostprocess = Lap();
        return total;
    }

    /// <summary>Mask RoIAlign on the final detections, the mask head, label channel, sigmoid, paste (frame pixels).</summary>
    private void Masks(List<FeatureLevel> levels, IReadOnlyList<Frame> frames, int total, int maxH, int maxW)
    {
        var s = _s;
        var mh = Manifest.MaskHead!;
        int n = s.Valid.Count, perImage = Manifest.BoxHead.Options.DetectionsPerImg, k = Manifest.NumClasses;
        int c = Manifest.FeatureChannels, per = c * mh.RoiAlign.OutputHeight * mh.RoiAlign.OutputWidth, mm = mh.MaskSize * mh.MaskSize;
        s.EnsureRois(total);
        int r = 0;
        for (int b = 0; b < n; b++)
            for (int i = 0; i < s.DetectionCount[b]; i++)
            {
                var box = s.Detections[b * perImage + i].Box;
                s.Rois[r++] = new RoiBox(b, box.X1, box.Y1, box.X2, box.Y2);
            }
        var features = s.Floats(ref s.RoiFeatures, total * per);
        _maskPool!.Run(levels, s.Rois.AsSpan(0, total), maxH, maxW, features.AsSpan(0, total * per));
        _times.MaskRoiAlign = Lap();
        using var outputs = _maskIo!.Run(_runOptions, features.AsMemory(0, total * per), [total, c, mh.RoiAlign.OutputHeight, mh.RoiAlign.OutputWidth]);
        _times.MaskHead = Lap();
        var logits = outputs.Tensor(0, out _); // [D, K, M, M]
        var probabilities = s.Floats(ref s.MaskProbabilities, total * mm);
        s.EnsureMasks(total);
        r = 0;
        for (int b = 0; b < n; b++)
        {
            int start = r, count = s.DetectionCount[b];
            for (int i = 0; i < count; i++, r++)
            {
                // torchvision applies sigmoid, then takes the label's channel; same values either way.
                int label = s.Detections[b * perImage + i].Label;
                var src = logits.Slice((r * k + label) * mm, mm);
                var dst = probabilities.AsSpan(r * mm, mm);
                for (int p = 0; p < mm; p++) dst[p] = ProposalFilter.Sigmoid(src[p]);
                s.Maskness[r] = InstanceScores.Maskness(dst, IMaskPasteKernel.Threshold);
                s.FrameBoxes[r] = ToFrame(s.Detections[b * perImage + i].Box, b, frames[s.Valid[b]].Info);
            }
            if (count == 0) continue;
            var info = frames[s.Valid[b]].Info;
            _maskPaste!.Paste(probabilities.AsSpan(start * mm, count * mm), mh.MaskSize, s.FrameBoxes.AsSpan(start, count),
                info.Height, info.Width, s.Masks.AsSpan(start, count));
        }
        _times.Paste = Lap();
    }

    /// <summary>Keypoint RoIAlign and head on detections of the keypoint class only; heatmaps decoded as torchvision does.</summary>
    private void Keypoints(List<FeatureLevel> levels, IReadOnlyList<Frame> frames, int total, int maxH, int maxW)
    {
        var s = _s;
        var kh = Manifest.KeypointHead!;
        int n = s.Valid.Count, perImage = Manifest.BoxHead.Options.DetectionsPerImg, j = Manifest.Keypoints!.Names.Length;
        int c = Manifest.FeatureChannels, per = c * kh.RoiAlign.OutputHeight * kh.RoiAlign.OutputWidth;
        s.EnsureRois(total);
        s.EnsureKeypoints(total, j);
        int r = 0;
        for (int b = 0; b < n; b++)
            for (int i = 0; i < s.DetectionCount[b]; i++)
            {
                var det = s.Detections[b * perImage + i];
                s.KeypointRow[b * perImage + i] = -1;
                if (det.Label != kh.ClassId) continue;
                s.KeypointRow[b * perImage + i] = r;
                s.Rois[r++] = new RoiBox(b, det.Box.X1, det.Box.Y1, det.Box.X2, det.Box.Y2);
            }
        _clock = DetectorStageTimes.Now(_options.StageClock);
        if (r == 0) return;
        var features = s.Floats(ref s.RoiFeatures, r * per);
        if (_keypointsReuseMaskFeatures)
        {
            // Rows move only towards the front (keypoint row ≤ mask row), so unread rows are never overwritten.
            int maskRow = 0;
            for (int b = 0; b < n; b++)
                for (int i = 0; i < s.DetectionCount[b]; i++, maskRow++)
                    if (s.KeypointRow[b * perImage + i] is int row and >= 0 && row != maskRow)
                        features.AsSpan(maskRow * per, per).CopyTo(features.AsSpan(row * per, per));
        }
        else
        {
            _keypointPool!.Run(levels, s.Rois.AsSpan(0, r), maxH, maxW, features.AsSpan(0, r * per));
        }
        _times.KeypointRoiAlign = Lap();
        using var outputs = _keypointIo!.Run(_runOptions, features.AsMemory(0, r * per), [r, c, kh.RoiAlign.OutputHeight, kh.RoiAlign.OutputWidth]);
        _times.KeypointHead = Lap();
        var heatmaps = outputs.Tensor(0, out _); // [P, J, M, M]
        for (int row = 0; row < r; row++)
        {
            var roi = s.Rois[row];
            s.KeypointBoxes[row] = new BoxF(roi.X1, roi.Y1, roi.X2, roi.Y2);
        }
        _keypointDecoder.Decode(s.HeatmapMemory.Wrap(heatmaps), kh.HeatmapSize, s.KeypointBoxes.AsMemory(0, r),
            s.KeypointValues.AsMemory(0, r * j), j);
        for (int row = 0; row < r; row++)
        {
            var roi = s.Rois[row];
            var kps = s.KeypointValues.AsSpan(row * j, j);
            var info = frames[s.Valid[roi.BatchIndex]].Info;
            var (ratioH, ratioW) = Ratios(roi.BatchIndex, info);
            for (int q = 0; q < j; q++) kps[q] = new Keypoint(kps[q].X * ratioW, kps[q].Y * ratioH, kps[q].Score);
        }
        _times.KeypointDecode = Lap();
    }

    private DetectedFrame BuildFrame(FrameInfo info, int b)
    {
        var s = _s;
        int perImage = Manifest.BoxHead.Options.DetectionsPerImg, count = s.DetectionCount[b], j = Manifest.Keypoints?.Names.Length ?? 0;
        int maskRow = 0;
        for (int q = 0; q < b; q++) maskRow += s.DetectionCount[q];
        var detections = ImmutableArray.CreateBuilder<Detection>(count);
        for (int i = 0; i < count; i++)
        {
            var det = s.Detections[b * perImage + i];
            RleMask? mask = _maskIo is null ? null : s.Masks[maskRow + i];
            float? maskScore = _maskIo is null ? null : det.Score * s.Maskness[maskRow + i];
            var keypoints = ImmutableArray<Keypoint>.Empty;
            float? keypointScore = null;
            if (_keypointIo is not null && s.KeypointRow[b * perImage + i] is int row and >= 0)
            {
                keypoints = ImmutableArray.Create(s.KeypointValues, row * j, j);
                keypointScore = det.Score * InstanceScores.PoseConfidence(s.KeypointValues.AsSpan(row * j, j));
            }
            detections.Add(new Detection(det.Label, det.Score, ToFrame(det.Box, b, info), mask, keypoints)
            {
                MaskScore = maskScore,
                KeypointScore = keypointScore,
            });
        }
        if (_maskIo is not null) Array.Clear(s.Masks, maskRow, count);
        return new DetectedFrame(info, detections.MoveToImmutable());
    }

    /// <summary>transform.postprocess: resized-input pixels → frame pixels, per axis, f32(orig) / f32(resized), no clip.</summary>
    private BoxF ToFrame(in BoxF box, int b, FrameInfo info)
    {
        var (ratioH, ratioW) = Ratios(b, info);
        return new BoxF(box.X1 * ratioW, box.Y1 * ratioH, box.X2 * ratioW, box.Y2 * ratioH);
    }

    private (float H, float W) Ratios(int b, FrameInfo info)
    {
        var (rh, rw) = _s.Resized[b];
        return ((float)info.Height / rh, (float)info.Width / rw);
    }

    private static bool SamePooling(RoiAlignSpec a, RoiAlignSpec b) =>
        a.OutputHeight == b.OutputHeight && a.OutputWidth == b.OutputWidth && a.SamplingRatio == b.SamplingRatio &&
        a.Aligned == b.Aligned && a.FeatmapNames.AsSpan().SequenceEqual(b.FeatmapNames.AsSpan());

    private static MultiScaleRoIAlign Pool(IRoiAlignKernel kernel, RoiAlignSpec spec, LevelMapperSpec lm) =>
        new(kernel, spec.OutputHeight, spec.OutputWidth, spec.SamplingRatio, spec.Aligned, lm.CanonicalScale, lm.CanonicalLevel);
}
