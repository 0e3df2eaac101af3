using MaskStream.Core.Appearance;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;

namespace MaskStream.Tracking.Association;

/// <summary>
/// Cost matrices for assignment (ByteTrack's <c>matching.py</c> as pure functions over spans). Every
/// matrix is row-major <c>[tracks, detections]</c>; lower is better; <see cref="double.PositiveInfinity"/>
/// forbids a pair.
/// </summary>
internal static class AssociationCost
{
    /// <summary>
    /// 1 − IoU of every track box with every detection box (<c>iou_distance</c>), and +∞ where the classes
    /// differ, so a track only ever takes detections of its own class. Boxes are xyxy in frame pixels; IoU
    /// has no +1 on widths (ByteTrack's cython_bbox adds one, which matters only for tiny boxes).
    /// </summary>
    public static void IouDistance(ReadOnlySpan<BoxF> trackBoxes, ReadOnlySpan<int> trackClasses,
        ReadOnlySpan<BoxF> detectionBoxes, ReadOnlySpan<int> detectionClasses, Span<double> cost)
    {
        int cols = detectionBoxes.Length;
        for (int r = 0; r < trackBoxes.Length; r++)
        {
            var row = cost.Slice(r * cols, cols);
            BoxF tb = trackBoxes[r];
            int tc = trackClasses[r];
            for (int c = 0; c < cols; c++)
                row[c] = detectionClasses[c] == tc ? 1.0 - BoxF.Iou(tb, detectionBoxes[c]) : double.PositiveInfinity;
        }
    }

    /// <summary>
    /// 1 − IoU of every track box with every detection box completed to the track's size where the detection is
    /// much narrower or shorter (see <see cref="Implementation.Occlusion.Measurement"/>), +∞ across classes. A
    /// person half behind a pillar is seen as half a box: compared as it is, it overlaps the track's prediction
    /// too little to be taken; completed from the edge that agrees with the prediction, it is the person.
    /// </summary>
    public static void CompletedIouDistance(ReadOnlySpan<BoxF> trackBoxes, ReadOnlySpan<int> trackClasses,
        ReadOnlySpan<BoxF> detectionBoxes, ReadOnlySpan<int> detectionClasses, Span<double> cost)
    {
        int cols = detectionBoxes.Length;
        for (int r = 0; r < trackBoxes.Length; r++)
        {
            var row = cost.Slice(r * cols, cols);
            BoxF tb = trackBoxes[r];
            int tc = trackClasses[r];
            for (int c = 0; c < cols; c++)
            {
                if (detectionClasses[c] != tc) { row[c] = double.PositiveInfinity; continue; }
                var completed = Implementation.Occlusion.Measurement(detectionBoxes[c], tb, out _);
                row[c] = 1.0 - BoxF.Iou(tb, completed);
            }
        }
    }

    /// <summary>
    /// 1 − the share of each detection box that lies inside each track box (intersection over the detection's
    /// area), +∞ across classes and where the detection's centre lies outside the track box (the box is where the
    /// object could have got to; a detection merely overlapping its border is someone beside it). For a track's
    /// widened search area, where a detection should count as found when it lies within the area however small it
    /// is (a person's first sliver stepping out from behind a pillar), which IoU would rate as a poor match because
    /// the area is large.
    /// </summary>
    public static void CoverageDistance(ReadOnlySpan<BoxF> trackBoxes, ReadOnlySpan<int> trackClasses,
        ReadOnlySpan<BoxF> detectionBoxes, ReadOnlySpan<int> detectionClasses, Span<double> cost)
    {
        int cols = detectionBoxes.Length;
        for (int r = 0; r < trackBoxes.Length; r++)
        {
            var row = cost.Slice(r * cols, cols);
            BoxF tb = trackBoxes[r];
            int tc = trackClasses[r];
            for (int c = 0; c < cols; c++)
            {
                if (detectionClasses[c] != tc) { row[c] = double.PositiveInfinity; continue; }
                var db = detectionBoxes[c];
                float cx = 0.5f * (db.X1 + db.X2), cy = 0.5f * (db.Y1 + db.Y2);
                if (!(cx >= tb.X1 && cx <= tb.X2 && cy >= tb.Y1 && cy <= tb.Y2)) { row[c] = double.PositiveInfinity; continue; }
                float area = db.Area;
                row[c] = area > 0f ? 1.0 - BoxF.IntersectionArea(tb, db) / area : 1.0;
            }
        }
    }

    /// <summary>
    /// 1 − mask IoU (pycocotools semantics, straight from the runs) where both masks exist and have one size,
    /// replacing the entries <see cref="IouDistance"/> wrote; pairs whose class differs stay forbidden.
    /// Pairs whose boxes do not overlap (box cost 1) are left as they are, so no runs are walked for them.
    /// </summary>
    public static void MaskIouDistance(ReadOnlySpan<RleMask?> trackMasks, ReadOnlySpan<RleMask?> detectionMasks,
        Span<double> cost)
    {
        int cols = detectionMasks.Length;
        for (int r = 0; r < trackMasks.Length; r++)
        {
            var tm = trackMasks[r];
            if (tm is null) continue;
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                var dm = detectionMasks[c];
                if (dm is null || !(row[c] < 1.0) || dm.Height != tm.Height || dm.Width != tm.Width)
                    continue;
                row[c] = 1.0 - RleMask.PixelIou(dm, tm, gtIsCrowd: false);
            }
        }
    }

    /// <summary>
    /// ByteTrack's <c>fuse_score</c>: cost = 1 − (1 − cost)·score, so a weak detection has to overlap more to be
    /// taken. Forbidden pairs stay forbidden.
    /// </summary>
    public static void FuseScore(Span<double> cost, int rows, ReadOnlySpan<float> detectionScores)
    {
        int cols = detectionScores.Length;
        for (int r = 0; r < rows; r++)
        {
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
                row[c] = 1.0 - (1.0 - row[c]) * detectionScores[c];
        }
    }

    /// <summary>
    /// Forbids pairs whose detection is more than <paramref name="maxGrowth"/> times as tall as the track's box. Between
    /// two frames a person's box does not grow by a third; when it seems to, the detection is someone else, as when a
    /// track's own detection is missing and a larger person walking in front of it overlaps its prediction. Shrinking
    /// is left alone: it is what occlusion looks like.
    /// </summary>
    public static void GateHeightGrowth(Span<double> cost, ReadOnlySpan<BoxF> trackBoxes, ReadOnlySpan<BoxF> detectionBoxes, float maxGrowth)
    {
        int cols = detectionBoxes.Length;
        for (int r = 0; r < trackBoxes.Length; r++)
        {
            float limit = maxGrowth * trackBoxes[r].Height;
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
                if (detectionBoxes[c].Height > limit) row[c] = double.PositiveInfinity;
        }
    }

    /// <summary>
    /// BoT-SORT's fusion of appearance into the box cost (<c>bot_sort.py</c>: <c>emb_dists[emb_dists &gt; appearance_thresh]
    /// = 1; emb_dists[ious_dists_mask] = 1; dists = min(ious_dists, emb_dists)</c>): where a pair's boxes overlap by at
    /// least <see cref="AppearanceCost.MinIou"/> and their histograms are within <see cref="AppearanceCost.MatchDistance"/>,
    /// the cost becomes the smaller of the two. Two people crossing overlap both tracks' predictions, and IoU then picks
    /// by size; their clothes do not change as they cross. Ours: a pair farther apart than
    /// <see cref="AppearanceCost.RejectDistance"/> is forbidden, whatever its boxes: a track whose own detection is missing
    /// must not take the neighbour's that overlaps its prediction. Pairs without a histogram on either side, or with no
    /// body part seen by both, keep their box cost.
    /// </summary>
    /// <param name="costLimit">The association's limit: a pair above it whose boxes overlap too little for appearance to
    /// count can never match, so its distance is not computed (most pairs in a frame of people far apart).</param>
    public static void FuseAppearance(Span<double> cost, ReadOnlySpan<BoxF> trackBoxes, ReadOnlySpan<float[]?> trackAppearance,
        ReadOnlySpan<BoxF> detectionBoxes, ReadOnlySpan<ColorHistogram?> detectionAppearance, in AppearanceCost limits,
        double costLimit = double.PositiveInfinity)
    {
        int cols = detectionBoxes.Length;
        for (int r = 0; r < trackBoxes.Length; r++)
        {
            var ta = trackAppearance[r];
            if (ta is null) continue;
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                var da = detectionAppearance[c];
                // A cost of 1 or more means no overlap at all (most pairs in a frame): not close, and beyond any limit below 1.
                if (da is null || double.IsPositiveInfinity(row[c]) || (row[c] >= 1 && row[c] > costLimit)) continue;
                bool close = BoxF.Iou(trackBoxes[r], detectionBoxes[c]) >= limits.MinIou;
                if (!close && row[c] > costLimit) continue;
                double d = ColorHistogram.Distance(ta, da.Values);
                if (double.IsNaN(d)) continue;
                if (d > limits.RejectDistance) row[c] = double.PositiveInfinity;
                else if (close && d <= limits.MatchDistance && d < row[c]) row[c] = d;
            }
        }
    }

    /// <summary>
    /// Appearance decides among the pairs the boxes allow (cost at most <paramref name="boxLimit"/>): a pair within
    /// <see cref="AppearanceCost.MatchDistance"/> costs its distance, one farther than
    /// <see cref="AppearanceCost.RejectDistance"/> is forbidden, and one in between keeps its box cost placed above every
    /// close one (MatchDistance + (1 − MatchDistance)·box cost). For a lost track's search area, which after a second holds
    /// everyone walking by: the box says only that the detection could be the track, not which one is. In between, because
    /// a partial view (a head above a car, a sliver beside a pillar) can look unlike the whole person and is still them.
    /// Pairs without a histogram on either side, or with no body part seen by both, keep their box cost. A detection less
    /// than half as wide or as tall as the track's whole size (<paramref name="wholeWidth"/>, <paramref name="wholeHeight"/>;
    /// empty spans or zeros: none) is a partial view, rejected only beyond <see cref="AppearanceCost.PartialRejectDistance"/>
    /// when that is set: a strip of someone's side has other colours than their whole body.
    /// </summary>
    public static void DecideByAppearance(Span<double> cost, ReadOnlySpan<float[]?> trackAppearance,
        ReadOnlySpan<ColorHistogram?> detectionAppearance, in AppearanceCost limits, double boxLimit,
        ReadOnlySpan<float> wholeWidth = default, ReadOnlySpan<float> wholeHeight = default, ReadOnlySpan<BoxF> detectionBoxes = default)
    {
        int cols = detectionAppearance.Length;
        bool partialViews = limits.PartialRejectDistance > 0 && !wholeWidth.IsEmpty;
        for (int r = 0; r < trackAppearance.Length; r++)
        {
            var ta = trackAppearance[r];
            if (ta is null) continue;
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                var da = detectionAppearance[c];
                if (da is null || !(row[c] <= boxLimit)) continue;
                double d = ColorHistogram.Distance(ta, da.Values);
                if (double.IsNaN(d)) continue;
                double reject = partialViews && IsPartialView(detectionBoxes[c], wholeWidth[r], wholeHeight[r])
                    ? limits.PartialRejectDistance : limits.RejectDistance;
                row[c] = d <= limits.MatchDistance ? d
                    : d > reject ? double.PositiveInfinity
                    : limits.MatchDistance + (1 - limits.MatchDistance) * row[c];
            }
        }
    }

    /// <summary>Less than half of the whole size either way (false when the whole size is unknown).</summary>
    private static bool IsPartialView(in BoxF box, float wholeWidth, float wholeHeight) =>
        box.Width < 0.5f * wholeWidth || box.Height < 0.5f * wholeHeight;

    /// <summary>Forbids pairs whose histograms are farther apart than <see cref="AppearanceCost.RejectDistance"/>; the rest keep their box cost.</summary>
    /// <param name="costLimit">Pairs above it can never match: their distance is not computed.</param>
    public static void RejectByAppearance(Span<double> cost, ReadOnlySpan<float[]?> trackAppearance,
        ReadOnlySpan<ColorHistogram?> detectionAppearance, in AppearanceCost limits, double costLimit = double.PositiveInfinity)
    {
        int cols = detectionAppearance.Length;
        for (int r = 0; r < trackAppearance.Length; r++)
        {
            var ta = trackAppearance[r];
            if (ta is null) continue;
            var row = cost.Slice(r * cols, cols);
            for (int c = 0; c < cols; c++)
            {
                var da = detectionAppearance[c];
                if (da is null || !(row[c] <= costLimit)) continue;
                if (ColorHistogram.Distance(ta, da.Values) > limits.RejectDistance) row[c] = double.PositiveInfinity;
            }
        }
    }
}
