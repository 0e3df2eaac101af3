using System.Collections.Immutable;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Evaluation.Mot;
using MaskStream.Ingest.Datasets;
using MaskStream.Ingest.Synthetic;
using MaskStream.Tracking;

namespace MaskStream.Evaluation.Walkers;

/// <summary>
/// Issue 7's protocol (a), behind <c>maskstream eval walkers</c> and the tracking tests: the synthetic walkers' ground
/// truth, its boxes as detections (jittered, dropped, polluted with false positives), and the py-motmetrics / TrackEval
/// scores of a tracker's output. docs/TRACKING.md describes it.
/// </summary>
public static class WalkersProtocol
{
    public const int FrameCount = 300;
    public const double Fps = 30;

    /// <summary>The options both trackers run with: defaults, plus lost tracks reported for 2 frames.</summary>
    public static readonly TrackerOptions Options = new() { ReportLostTracksFor = TrackDuration.FromFrames(2) };

    public static List<FrameGroundTruth> RenderTruth(ulong seed)
    {
        using var scene = new SyntheticScene(new SyntheticSceneOptions { Seed = seed, Live = false });
        var frames = new List<FrameGroundTruth>(FrameCount);
        for (int f = 0; f < FrameCount; f++) frames.Add(scene.GroundTruth(f));
        return frames;
    }

    /// <summary>
    /// The detections of <paramref name="truth"/> for <paramref name="seed"/>, drawn from the seed's own generator; with
    /// <paramref name="appearance"/>, each carries the colour histogram of its pixels in the rendered frame.
    /// </summary>
    public static List<DetectedFrame> Detections(List<FrameGroundTruth> truth, ulong seed, bool appearance = true)
    {
        using var scene = appearance ? new SyntheticScene(new SyntheticSceneOptions { Seed = seed, Live = false }) : null;
        return Detections(truth, new Random((int)seed * 7919), scene);
    }

    /// <summary>
    /// Every visible ground-truth box, corners jittered by 3% of its size, 10% dropped, 0–2 false positives a frame. When
    /// <paramref name="scene"/> is given, each frame is rendered and every detection gets the <see cref="ColorHistogram"/>
    /// the detector stage would compute: of the ground-truth mask (the object's visible pixels), split at the hips, or, for
    /// a false positive, of its box. The random draws are the same with or without it, so the boxes are too.
    /// </summary>
    public static List<DetectedFrame> Detections(List<FrameGroundTruth> truth, Random rng, SyntheticScene? scene = null)
    {
        var pixels = scene is null ? null : new byte[scene.FrameBytes];
        double Gauss() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var frames = new List<DetectedFrame>(truth.Count);
        foreach (var gt in truth)
        {
            scene?.Render(gt.FrameNumber, pixels);
            var list = new List<Detection>();
            foreach (var o in gt.Objects)
            {
                if (o.Box.IsEmpty || rng.NextDouble() < 0.1) continue;
                float w = o.Box.Width, h = o.Box.Height;
                var box = new BoxF(o.Box.X1 + (float)(0.03 * w * Gauss()), o.Box.Y1 + (float)(0.03 * h * Gauss()),
                    o.Box.X2 + (float)(0.03 * w * Gauss()), o.Box.Y2 + (float)(0.03 * h * Gauss()));
                var detection = new Detection(o.ClassId, (float)(0.5 + 0.5 * rng.NextDouble()), box, null, ImmutableArray<Keypoint>.Empty);
                list.Add(pixels is null ? detection : detection with
                {
                    Appearance = ColorHistogram.Compute(pixels, gt.Width, gt.Height, o.Mask, ColorHistogram.SplitRow(o.Box, Hips(o))),
                });
            }
            int falsePositives = rng.Next(3);
            for (int k = 0; k < falsePositives; k++)
            {
                float x = (float)rng.NextDouble() * (gt.Width - 70), y = (float)rng.NextDouble() * (gt.Height - 110);
                float w = 10 + (float)rng.NextDouble() * 60, h = 10 + (float)rng.NextDouble() * 100;
                var box = new BoxF(x, y, x + w, y + h);
                var detection = new Detection(1 + rng.Next(3), (float)(0.2 + 0.6 * rng.NextDouble()), box, null, ImmutableArray<Keypoint>.Empty);
                list.Add(pixels is null ? detection : detection with
                {
                    Appearance = ColorHistogram.ComputeBox(pixels, gt.Width, gt.Height, box, ColorHistogram.SplitRow(box, [])),
                });
            }
            frames.Add(new DetectedFrame(
                new FrameInfo("synthetic", gt.FrameNumber, DateTimeOffset.UnixEpoch.AddSeconds(gt.FrameNumber / Fps), null, gt.Width, gt.Height),
                [.. list]));
        }
        return frames;
    }

    /// <summary>The ground truth's keypoints as a detector reports them (where they are, visible or not), for the split row.</summary>
    private static ImmutableArray<Keypoint> Hips(GroundTruthObject o)
    {
        if (o.Keypoints.Length != CocoPersonKeypoints.Count) return [];
        var keypoints = new Keypoint[o.Keypoints.Length];
        for (int i = 0; i < keypoints.Length; i++)
            keypoints[i] = new Keypoint(o.Keypoints[i].X, o.Keypoints[i].Y, o.Keypoints[i].Visibility == KeypointVisibility.Visible ? 1 : 0);
        return [.. keypoints];
    }

    /// <summary>Runs <paramref name="tracker"/> over the detections and returns its output as MOT rows against the ground truth.</summary>
    public static MotSequence Track(List<FrameGroundTruth> truth, List<DetectedFrame> detections, IMultiObjectTracker tracker)
    {
        var frames = new List<MotFrame>(truth.Count);
        for (int f = 0; f < truth.Count; f++)
        {
            var result = tracker.Update(detections[f]);
            var gt = new List<MotObject>();
            var ignored = new List<MotObject>();
            foreach (var o in truth[f].Objects)
            {
                if (o.Box.IsEmpty) continue;
                var row = new MotObject(o.TrackId, new MotBox(o.Box.X1, o.Box.Y1, o.Box.Width, o.Box.Height));
                (o.Area >= MotDatasetOptions.DefaultMinArea ? gt : ignored).Add(row);
            }
            var hyp = new List<MotObject>();
            foreach (var o in result.Frame.Objects)
            {
                var b = o.Detection.Box;
                hyp.Add(new MotObject(o.TrackId, new MotBox(b.X1, b.Y1, b.Width, b.Height)));
            }
            frames.Add(new MotFrame(f + 1, gt, IgnoredObjects.RemoveMatched(gt, ignored, hyp)));
        }
        return new MotSequence("walkers", frames);
    }

    /// <summary>One seed's sequence run through <see cref="ByteTracker"/> and <see cref="IouTracker"/> with <paramref name="options"/>.</summary>
    public static WalkersResult Evaluate(ulong seed, TrackerOptions options) => Evaluate(RenderTruth(seed), seed, options);

    /// <summary><see cref="Evaluate(ulong, TrackerOptions)"/> on the seed's ground truth, already rendered.</summary>
    public static WalkersResult Evaluate(List<FrameGroundTruth> truth, ulong seed, TrackerOptions options)
    {
        var detections = Detections(truth, seed);
        var byteMetrics = Score(truth, detections, new ByteTracker(options, Fps), out double byteHota);
        var iouMetrics = Score(truth, detections, new IouTracker(options, Fps), out double iouHota);
        return new WalkersResult(seed, byteMetrics, byteHota, iouMetrics, iouHota);
    }

    /// <summary>py-motmetrics' metrics of the tracker's output, and TrackEval's HOTA.</summary>
    public static MotMetrics Score(List<FrameGroundTruth> truth, List<DetectedFrame> detections, IMultiObjectTracker tracker, out double hota)
    {
        var sequence = Track(truth, detections, tracker);
        hota = TrackEvalMetrics.Evaluate(sequence).Hota.Hota;
        return MotMetrics.Evaluate(sequence);
    }
}

/// <summary>One seed of <see cref="WalkersProtocol"/>: both trackers' metrics on the same detections.</summary>
public sealed record WalkersResult(ulong Seed, MotMetrics Byte, double ByteHota, MotMetrics Iou, double IouHota)
{
    /// <summary>Issue 7's bar (a): IDF1 ≥ 0.95 and fewer id switches than the IoU tracker.</summary>
    public bool MeetsBar => Byte.Idf1 >= 0.95 && Byte.NumSwitches < Iou.NumSwitches;
}
