using System.Collections.Immutable;
using MaskStream.Core.Frames;

namespace MaskStream.Core.Objects;

/// <summary>Track lifecycle, as ByteTrack names it.</summary>
public enum TrackState
{
    /// <summary>Started but not yet confirmed (tentative).</summary>
    New,
    /// <summary>Confirmed and matched in the current frame.</summary>
    Tracked,
    /// <summary>Confirmed but unmatched recently; kept for re-identification within its buffer.</summary>
    Lost,
    /// <summary>Ended; never reported again.</summary>
    Removed,
}

/// <summary>A detection carried on a track.</summary>
/// <param name="TrackId">Unique per camera, never reused.</param>
/// <param name="State">Lifecycle state in this frame.</param>
/// <param name="Age">Frames since the track started.</param>
/// <param name="Detection">The latest detection of the track (box, mask, keypoints, score).</param>
public sealed record TrackedObject(long TrackId, TrackState State, int Age, Detection Detection);

/// <summary>The tracker's output for one frame.</summary>
public sealed record TrackedFrame(FrameInfo Info, ImmutableArray<TrackedObject> Objects);
