using MaskStream.Core.Objects;

namespace MaskStream.Tracking;

/// <summary>
/// Turns one camera's detections into tracks, frame by frame. One instance per camera: ids are unique
/// within an instance and never reused, and instances share nothing. Not thread-safe.
/// </summary>
public interface IMultiObjectTracker
{
    /// <summary>Associates the frame's detections with the tracks, in frame order.</summary>
    /// <returns>The confirmed tracks seen in this frame, track start/end events, and what was skipped.</returns>
    TrackingResult Update(DetectedFrame frame);

    /// <summary>Detections skipped so far because their box was empty, NaN or infinite, or their score NaN.</summary>
    long SkippedDetections { get; }
}
