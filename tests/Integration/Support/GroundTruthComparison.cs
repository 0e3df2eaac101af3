using System.Globalization;
using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Integration.Tests.Support;

/// <summary>How well the published objects of a synthetic camera agree with the scene's ground truth.</summary>
/// <param name="Frames">Objects messages compared.</param>
/// <param name="ConfidentDetections">Published objects with a score at or above the confident score.</param>
/// <param name="Matched">Confident detections matched one-to-one to a ground-truth object of their class (mask IoU ≥ 0.5).</param>
/// <param name="Visible">Ground-truth objects with at least the minimum visible area.</param>
/// <param name="Duplicates">Confident detections left unmatched although they overlap a ground-truth object of their
/// class (IoU ≥ 0.5) that another detection matched better: one object reported twice.</param>
/// <param name="MaskIous">Mask IoU of each match.</param>
/// <param name="KeypointErrors">Pixel distance of each visible ground-truth keypoint of a matched person to the published one.</param>
/// <param name="TrackPairs">A walker matched in two consecutive messages at most the track gap apart in frames: the pairs
/// whose track ids were compared.</param>
/// <param name="IdSwitches">Of those, pairs whose published track id changed.</param>
/// <param name="LongestRun">Most consecutive such pairs + 1 in which one walker kept one track id.</param>
/// <param name="WidePairs">Consecutive matches further apart than the track gap (a slow machine's live camera skips
/// frames), with <paramref name="WideSwitches"/> id changes among them: reported, not judged.</param>
internal sealed record GroundTruthFigures(
    int Frames, int ConfidentDetections, int Matched, int Visible, int Duplicates, IReadOnlyList<double> MaskIous, IReadOnlyList<double> KeypointErrors,
    int TrackPairs, int IdSwitches, int LongestRun, int WidePairs, int WideSwitches)
{
    public double MedianIou => Percentile(MaskIous, 0.5);
    public double MedianKeypointError => Percentile(KeypointErrors, 0.5);
    public double FractionIou(double atLeast) => MaskIous.Count == 0 ? 0 : MaskIous.Count(v => v >= atLeast) / (double)MaskIous.Count;
    public double FractionKeypoints(double within) => KeypointErrors.Count == 0 ? 0 : KeypointErrors.Count(v => v <= within) / (double)KeypointErrors.Count;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Frames} frames, {ConfidentDetections} confident detections, {Matched} matched (of {Visible} visible ground-truth objects), {Duplicates} duplicates; " +
        $"mask IoU median {MedianIou:F3}, p10 {Percentile(MaskIous, 0.1):F3}, ≥0.8 for {FractionIou(0.8):P0}; " +
        $"keypoints {KeypointErrors.Count}: median {MedianKeypointError:F2} px, p90 {Percentile(KeypointErrors, 0.9):F2} px, ≤5 px for {FractionKeypoints(5):P0}; " +
        $"track ids: {IdSwitches} changes in {TrackPairs} consecutive pairs (and {WideSwitches} in {WidePairs} further apart), longest run {LongestRun} messages");

    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        return sorted[(int)Math.Clamp(Math.Round(p * (sorted.Length - 1)), 0, sorted.Length - 1)];
    }
}

/// <summary>
/// Compares objects messages with the synthetic scene they came from. A <c>synthetic://</c> scene is a pure function of
/// its URI and the frame number, so the ground truth of every published frame is rendered again here.
/// </summary>
internal static class GroundTruthComparison
{
    /// <summary>Mask IoU that makes a detection and a ground-truth object the same object (COCO's loosest threshold).</summary>
    public const double MatchIou = 0.5;

    public static GroundTruthFigures Compare(string uri, IReadOnlyList<JsonElement> objectsMessages, double confidentScore, long minVisibleArea,
        long trackGap)
    {
        using var scene = SyntheticScene.Open(uri);
        var ious = new List<double>();
        var keypointErrors = new List<double>();
        var last = new Dictionary<int, (int Message, long Frame, long TrackId, int Run)>();
        int confident = 0, matched = 0, visible = 0, duplicates = 0, pairs = 0, switches = 0, longest = 0, widePairs = 0, wideSwitches = 0;
        for (var i = 0; i < objectsMessages.Count; i++)
        {
            var message = objectsMessages[i];
            var frame = message.GetProperty("frame").GetInt64();
            var truth = scene.GroundTruth(frame);
            Assert.Equal((truth.Width, truth.Height), (message.GetProperty("width").GetInt32(), message.GetProperty("height").GetInt32()));
            var detections = ReadDetections(message, truth.Height, truth.Width, confidentScore);
            var objects = truth.Objects.Where(o => o.Area >= minVisibleArea).ToList();
            confident += detections.Count;
            visible += objects.Count;

            // Greedy one-to-one matching by IoU, best pairs first, within a class.
            var candidates = new List<(double Iou, int D, int G)>();
            for (var d = 0; d < detections.Count; d++)
            {
                for (var g = 0; g < objects.Count; g++)
                {
                    if (detections[d].ClassId != objects[g].ClassId)
                        continue;
                    var iou = RleMask.Iou(detections[d].Mask, objects[g].Mask, gtIsCrowd: false);
                    if (iou >= MatchIou)
                        candidates.Add((iou, d, g));
                }
            }
            var usedD = new HashSet<int>();
            var usedG = new HashSet<int>();
            foreach (var (iou, d, g) in candidates.OrderByDescending(c => c.Iou))
            {
                if (!usedD.Add(d) || !usedG.Add(g))
                    continue;
                matched++;
                ious.Add(iou);
                var detection = detections[d];
                var truthObject = objects[g];
                if (detection.Keypoints is { } points && truthObject.Keypoints.Length == points.Length)
                {
                    for (var k = 0; k < points.Length; k++)
                    {
                        var t = truthObject.Keypoints[k];
                        if (t.Visibility == KeypointVisibility.Visible)
                            keypointErrors.Add(Math.Sqrt((points[k].X - t.X) * (points[k].X - t.X) + (points[k].Y - t.Y) * (points[k].Y - t.Y)));
                    }
                }
                var run = 1;
                if (last.TryGetValue(truthObject.TrackId, out var before) && before.Message == i - 1)
                {
                    bool changed = before.TrackId != detection.TrackId;
                    if (frame - before.Frame > trackGap)
                    {
                        widePairs++;
                        wideSwitches += changed ? 1 : 0;
                    }
                    else
                    {
                        pairs++;
                        switches += changed ? 1 : 0;
                        run = changed ? 1 : before.Run + 1;
                    }
                }
                last[truthObject.TrackId] = (i, frame, detection.TrackId, run);
                longest = Math.Max(longest, run);
            }
            foreach (var d in candidates.Select(c => c.D).Distinct())
                duplicates += usedD.Contains(d) ? 0 : 1;
        }
        return new GroundTruthFigures(objectsMessages.Count, confident, matched, visible, duplicates, ious, keypointErrors, pairs, switches, longest,
            widePairs, wideSwitches);
    }

    private sealed record Detection(int ClassId, RleMask Mask, (double X, double Y)[]? Keypoints, long TrackId);

    private static List<Detection> ReadDetections(JsonElement message, int height, int width, double confidentScore)
    {
        var result = new List<Detection>();
        foreach (var o in message.GetProperty("objects").EnumerateArray())
        {
            if (o.GetProperty("score").GetDouble() < confidentScore)
                continue;
            var mask = o.GetProperty("mask");
            Assert.Equal([height, width], mask.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
            var rle = RleMask.FromCompressedString(mask.GetProperty("counts").GetString()!, height, width);
            (double, double)[]? keypoints = null;
            if (o.TryGetProperty("keypoints", out var k))
                keypoints = k.EnumerateArray().Select(p => (p[0].GetDouble(), p[1].GetDouble())).ToArray();
            result.Add(new Detection(o.GetProperty("class_id").GetInt32(), rle, keypoints, o.GetProperty("track_id").GetInt64()));
        }
        return result;
    }
}
