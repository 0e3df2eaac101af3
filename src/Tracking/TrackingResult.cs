using System.Collections.Immutable;
using MaskStream.Core.Objects;

namespace MaskStream.Tracking;

/// <summary>What one <see cref="IMultiObjectTracker.Update"/> produced.</summary>
/// <param name="Frame">The confirmed tracks matched in this frame (state <see cref="TrackState.Tracked"/>, with the matched
/// detection) and, when <see cref="TrackerOptions.ReportLostTracksFor"/> is set, recently lost ones (state
/// <see cref="TrackState.Lost"/>, at their predicted box, without mask or keypoints), all in track-id order.</param>
/// <param name="Events">Tracks that started (were confirmed) or ended (were removed) in this frame.</param>
/// <param name="SkippedDetections">Detections of this frame that were not tracked because their box or score was invalid.</param>
public sealed record TrackingResult(TrackedFrame Frame, ImmutableArray<TrackEvent> Events, int SkippedDetections);

/// <summary>Why a <see cref="TrackEvent"/> was raised.</summary>
public enum TrackEventKind
{
    /// <summary>The track was confirmed: its id appears in results from this frame on.</summary>
    Started,
    /// <summary>The track was removed: lost for longer than its buffer (or superseded by a duplicate). Its id will not appear again.</summary>
    Ended,
}

/// <summary>A track's start or end.</summary>
/// <param name="Kind">Start or end.</param>
/// <param name="TrackId">The track.</param>
/// <param name="ClassId">The track's class.</param>
/// <param name="FirstFrame">Source frame number of the track's first detection.</param>
/// <param name="LastFrame">Source frame number of the track's latest detection.</param>
/// <param name="Detection">The track's latest detection.</param>
public sealed record TrackEvent(TrackEventKind Kind, long TrackId, int ClassId, long FirstFrame, long LastFrame, Detection Detection);
