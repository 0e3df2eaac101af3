using System.Collections.Immutable;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;

namespace MaskStream.Core.Objects;

/// <summary>One detected object.</summary>
/// <param name="ClassId">Index into the model's class list (0 is background, so objects start at 1).</param>
/// <param name="Score">Detector confidence in [0, 1].</param>
/// <param name="Box">xyxy in frame pixels.</param>
/// <param name="Mask">Full-frame instance mask, when the model has a mask head.</param>
/// <param name="Keypoints">Keypoints in frame pixels, empty when the model has no keypoint head or the class has none.</param>
public sealed record Detection(int ClassId, float Score, BoxF Box, RleMask? Mask, ImmutableArray<Keypoint> Keypoints)
{
    /// <summary>
    /// Colour histogram of the object's pixels in the frame, for telling objects apart when their boxes cannot (a tracker's
    /// appearance cue); null when not computed (the detector stage computes it when tracking wants it, see
    /// <see cref="ColorHistogram"/>).
    /// </summary>
    public ColorHistogram? Appearance { get; init; }

    /// <summary>
    /// The mask's score as a result of its own: <see cref="Score"/> times the mask head's maskness
    /// (<see cref="InstanceScores.Maskness"/>); null when the detection has no mask or it was not computed (e.g. detections
    /// read from a file that lacks it).
    /// </summary>
    public float? MaskScore { get; init; }

    /// <summary>
    /// The pose's score as a result of its own: <see cref="Score"/> times the mean keypoint confidence
    /// (<see cref="InstanceScores.PoseConfidence"/>); null when the detection has no keypoints or it was not computed.
    /// </summary>
    public float? KeypointScore { get; init; }
}

/// <summary>The detector's output for one frame.</summary>
public sealed record DetectedFrame(FrameInfo Info, ImmutableArray<Detection> Detections);
