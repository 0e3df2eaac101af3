namespace MaskStream.Tracking;

/// <summary>What <see cref="ByteTracker"/>'s Kalman filter estimates about a box (with constant-velocity motion for each).</summary>
public enum MotionModel
{
    /// <summary>
    /// ByteTrack's and DeepSORT's: centre x, y, aspect ratio w/h, height. The aspect gets small fixed noise
    /// (1e-2 in the motion model, 1e-5 for its velocity, 1e-1 when measured), so the filter's width follows a box
    /// whose width changes (a walker's stride, a person stepping in at the frame's edge or stopping) over
    /// seconds, not frames: the predicted box is then the wrong width, loses the IoU of its own detection and
    /// takes a neighbour's. Kept for parity with ByteTrack's numbers.
    /// </summary>
    Xyah,

    /// <summary>
    /// BoT-SORT's (Aharon et al., 2022, <c>tracker/kalman_filter.py</c>): centre x, y, width, height, the noise of
    /// x and w proportional to the width and of y and h to the height, so the width is estimated as directly as
    /// the height. The default.
    /// </summary>
    Xywh,
}
