namespace MaskStream.Tracking;

/// <summary>How a track and a detection are compared before assignment.</summary>
public enum AssociationMetric
{
    /// <summary>
    /// 1 − IoU of the track's Kalman-predicted box and the detection's box (ByteTrack). Follows motion,
    /// so it is the one that re-finds a person walking out from behind a pillar.
    /// </summary>
    BoxIou,

    /// <summary>
    /// 1 − IoU of the track's latest mask and the detection's mask (from the RLEs, no decoding), where both
    /// have masks; box IoU otherwise. Masks separate people whose boxes overlap, but the track's mask is where
    /// the object was last seen, not where it is predicted to be: suits slow objects or high frame rates.
    /// </summary>
    MaskIou,
}
