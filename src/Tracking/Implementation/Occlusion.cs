using MaskStream.Core.Geometry;

namespace MaskStream.Tracking.Implementation;

/// <summary>
/// What a confirmed track's filter is told when its detection is much narrower or shorter than the track's
/// predicted box. A detector boxes what it sees: a person sliding behind a pillar is seen as a sliver that
/// narrows towards the pillar's edge, one stepping out as a sliver that widens from it, a person behind a low
/// wall loses their legs. Fed as they are, these boxes teach the Kalman filter a shrinking size and a centre
/// that moves at half (or one and a half times) the person's speed, so its prediction is wrong exactly while
/// the person is hidden and has to be re-found. The edge of the detection that agrees best with the
/// prediction is taken as the object's own edge, the other one as the occluder's, and the measurement keeps
/// the predicted size from the object's edge (as OC-SORT keeps observations and not drifting estimates as
/// the ground truth of motion).
/// </summary>
internal static class Occlusion
{
    /// <summary>A detection narrower than this share of the predicted width is taken as partly hidden across.</summary>
    public const float WidthCut = 0.7f;

    /// <summary>A detection shorter than this share of the predicted height is taken as partly hidden from above or below.</summary>
    public const float HeightCut = 0.8f;

    /// <summary>
    /// The box to update the filter with: <paramref name="detection"/> itself when it is about the predicted size,
    /// else, along each axis where it is too small, the predicted extent laid from the detection's edge nearer the
    /// prediction's. <paramref name="occluded"/> says whether the box was changed.
    /// </summary>
    public static BoxF Measurement(in BoxF detection, in BoxF predicted, out bool occluded)
    {
        float pw = predicted.Width, ph = predicted.Height;
        bool narrow = pw > 0 && detection.Width < WidthCut * pw;
        bool low = ph > 0 && detection.Height < HeightCut * ph;
        occluded = narrow || low;
        if (!occluded) return detection;

        float x1 = detection.X1, x2 = detection.X2, y1 = detection.Y1, y2 = detection.Y2;
        if (narrow)
        {
            if (Math.Abs(detection.X1 - predicted.X1) <= Math.Abs(detection.X2 - predicted.X2)) x2 = x1 + pw;
            else x1 = x2 - pw;
        }
        if (low)
        {
            if (Math.Abs(detection.Y1 - predicted.Y1) <= Math.Abs(detection.Y2 - predicted.Y2)) y2 = y1 + ph;
            else y1 = y2 - ph;
        }
        return new BoxF(x1, y1, x2, y2);
    }
}
