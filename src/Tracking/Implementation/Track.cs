using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Tracking.Kalman;

namespace MaskStream.Tracking.Implementation;

/// <summary>One track's mutable bookkeeping. Owned by a <see cref="TrackBook"/>, recycled after removal.</summary>
internal sealed class Track
{
    public long Id;
    public int ClassId;

    /// <summary>New = tentative; Tracked = confirmed and matched in the latest frame; Lost = confirmed, unmatched; Removed = gone.</summary>
    public TrackState State;

    /// <summary>Consecutive matched frames while tentative (a tentative track that misses one is dropped).</summary>
    public int Hits;

    /// <summary>Tracker clock (frames) of the first detection and of the latest match.</summary>
    public long StartTick;
    public long LastMatchTick;

    /// <summary>Source frame numbers of the first and latest detection, for events.</summary>
    public long FirstFrame;
    public long LastFrame;

    public Detection Detection = null!;

    /// <summary>Kalman state (ByteTracker only).</summary>
    public KalmanState Kalman;

    /// <summary>The box the filter was updated with at the latest match (the detection, completed where partly hidden).</summary>
    public BoxF LastObservation;

    /// <summary>
    /// The largest width and height the track was seen with lately, each halving every second since (ByteTracker only):
    /// the object's size when whole, for looking for it while it is lost.
    /// </summary>
    public double FullWidth, FullHeight;

    /// <summary>
    /// The exponential average of the track's colour histograms (<see cref="Core.Appearance.ColorHistogram"/> layout, each
    /// body part averaged on its own), or all zeros before the first clean one (ByteTracker with appearance only). Allocated
    /// once per track object, which is recycled.
    /// </summary>
    public readonly float[] Appearance = new float[Core.Appearance.ColorHistogram.Length];

    /// <summary>Whether <see cref="Appearance"/> holds a histogram yet.</summary>
    public bool HasAppearance;

    /// <summary>The box to compare detections with in this frame: Kalman prediction (ByteTracker) or latest box (IouTracker).</summary>
    public BoxF PredictedBox;

    public bool IsConfirmed => State is TrackState.Tracked or TrackState.Lost;

    /// <summary>Track length as ByteTrack's duplicate rule measures it (latest match − start).</summary>
    public long History => LastMatchTick - StartTick;
}
