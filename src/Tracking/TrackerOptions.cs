using System.Globalization;

namespace MaskStream.Tracking;

/// <summary>
/// Settings of <see cref="ByteTracker"/> (all of them) and <see cref="IouTracker"/> (those its doc says).
/// Defaults are ByteTrack's (track_thresh 0.5, match_thresh 0.8, the inline 0.1 / 0.5 / 0.7 / 0.15, new
/// tracks at track_thresh + 0.1) except <see cref="LostTrackBuffer"/>, which is longer: see there; what ByteTrack does
/// not have (appearance, part suppression, occlusion handling) is on by default.
/// Bound once from the <c>Tracking</c> configuration section and checked by <see cref="Validate"/>.
/// </summary>
public sealed record TrackerOptions
{
    /// <summary>The configuration section these options are bound from; validation messages name keys under it.</summary>
    public const string SectionName = "Tracking";

    /// <summary>
    /// Detections scoring at least this are matched first, against all confirmed tracks (tracked and lost),
    /// and may start tracks (ByteTrack's <c>track_thresh</c>). In (0, 1].
    /// </summary>
    public float HighScoreThreshold { get; init; } = 0.5f;

    /// <summary>
    /// Detections scoring at least this but below <see cref="HighScoreThreshold"/> only continue tracks that
    /// were tracked in the previous frame (ByteTrack's second association; its 0.1); lower ones are ignored.
    /// In (0, 1], not above <see cref="HighScoreThreshold"/>.
    /// </summary>
    public float LowScoreThreshold { get; init; } = 0.1f;

    /// <summary>
    /// A high-score detection that matched nothing starts a new track only if it scores at least this
    /// (ByteTrack's <c>track_thresh + 0.1</c>): keeps one-frame false positives from spawning tracks. In (0, 1].
    /// </summary>
    public float NewTrackThreshold { get; init; } = 0.6f;

    /// <summary>
    /// Largest cost accepted in the first association: 1 − IoU, or 1 − IoU·score with <see cref="FuseScore"/>
    /// (ByteTrack's <c>match_thresh</c>). 0.8 accepts an IoU of 0.2 with a detection of score 1. In (0, 1].
    /// </summary>
    public float MatchThreshold { get; init; } = 0.8f;

    /// <summary>Largest cost (1 − IoU) accepted when low-score detections continue tracks (ByteTrack's 0.5). In (0, 1].</summary>
    public float LowScoreMatchThreshold { get; init; } = 0.5f;

    /// <summary>Largest cost accepted when a tentative track takes its next detection (ByteTrack's 0.7). In (0, 1].</summary>
    public float TentativeMatchThreshold { get; init; } = 0.7f;

    /// <summary>
    /// A tracked and a lost track of one class whose boxes overlap by more than this IoU are taken for one
    /// object, and the younger is removed (ByteTrack's <c>remove_duplicate_stracks</c>, cost below 0.15). In (0, 1].
    /// </summary>
    public float DuplicateIou { get; init; } = 0.85f;

    /// <summary>Weights IoU by the detection score in the first and tentative associations (ByteTrack's <c>fuse_score</c>; off for crowded scenes in ByteTrack's MOT20 setting).</summary>
    public bool FuseScore { get; init; } = true;

    /// <summary>How tracks and detections are compared; see <see cref="AssociationMetric"/>.</summary>
    public AssociationMetric Metric { get; init; } = AssociationMetric.BoxIou;

    /// <summary>
    /// What each track's Kalman filter estimates: <see cref="MotionModel.Xywh"/> (BoT-SORT's centre, width, height; the
    /// default) or <see cref="MotionModel.Xyah"/> (ByteTrack's centre, aspect ratio, height, whose width lags behind a
    /// box that widens or narrows). ByteTracker only.
    /// </summary>
    public MotionModel MotionModel { get; init; } = MotionModel.Xywh;

    /// <summary>
    /// A new track is tentative (not reported) until it has been matched in this many consecutive frames,
    /// counting its first; a tentative track that misses a frame is dropped. ByteTrack confirms on the second
    /// hit (2). Tracks born in a tracker's first frame are confirmed at once, as in ByteTrack. At least 1.
    /// </summary>
    public int HitsToConfirm { get; init; } = 2;

    /// <summary>
    /// How long a confirmed track that matches nothing is kept, moving with its Kalman prediction, to be
    /// re-found under its own id (ByteTrack's <c>track_buffer</c>, 30 frames at 30 fps). The default, 2 s, is
    /// twice ByteTrack's: a person behind a pillar or another person is often hidden for more than a second,
    /// and an id kept is worth more to our users than a lost track that lingers unseen. Positive.
    /// </summary>
    public TrackDuration LostTrackBuffer { get; init; } = TrackDuration.FromSeconds(2);

    /// <summary>
    /// How long a lost track whose latest box touched the frame's edge is kept: much shorter than
    /// <see cref="LostTrackBuffer"/>, since such an object most likely walked out, and a track kept alive there
    /// takes the next person walking in beside it. Positive, not longer than <see cref="LostTrackBuffer"/>
    /// (when both are in one unit).
    /// </summary>
    public TrackDuration EdgeLostTrackBuffer { get; init; } = TrackDuration.FromSeconds(0.2);

    /// <summary>
    /// Detections whose box covers fewer square pixels than this are handled as low-score ones whatever their
    /// score: they may continue a track matched in the previous frame, but never re-find a lost track or start a
    /// new one. A few pixels of a person behind a pillar or at the frame's edge say nothing about who it is. The
    /// default, 64, is the smallest object the synthetic training data annotates (<c>dataset coco --min-area</c>).
    /// Zero turns it off. At least 0.
    /// </summary>
    public double SmallDetectionArea { get; init; } = 64;

    /// <summary>
    /// In the IoU associations (high-score and low-score), a detection more than this many times as tall as a
    /// track's predicted box is never matched to it: no one grows by a third from one frame to the next, but a
    /// track whose own detection is missing would otherwise take a taller person walking in front of it from that
    /// person's track. Shrinking is not limited (that is what occlusion looks like). The widened search of lost
    /// tracks is not gated (gating it lost more ids than it saved on the synthetic walkers). At least 1;
    /// <see cref="float.PositiveInfinity"/> turns it off.
    /// </summary>
    public float MaxHeightGrowth { get; init; } = 1.3f;

    /// <summary>
    /// How fast the search area of a lost track widens: each side of its predicted box moves out by this
    /// fraction of the box's size per second lost, up to <see cref="LostTrackSearchLimit"/>; a detection whose centre
    /// lies inside it may be a match, the closest-looking first. Lets a track be re-found when the prediction fell behind
    /// during an occlusion (see ByteTracker's <c>AssociateLostWidened</c>). The size is the box's longer side, on both
    /// axes (a person's height, a car's length): how far an object gets scales with its size in the image, not with its
    /// width. Fast by default (the limit in a quarter of a second): where the person was hidden is known only roughly
    /// (the last boxes were slivers at an occluder's edge), and appearance, not distance, ranks who is inside. A track
    /// last seen at the frame's edge widens at 1.5 a second whatever this is (it most likely walked out, and a wide area
    /// there takes the next person walking in). Zero turns the step off (ByteTrack's behaviour). At least 0.
    /// </summary>
    public double LostTrackSearchGrowth { get; init; } = 8;

    /// <summary>
    /// How far the search area of a lost track widens at most (<see cref="LostTrackSearchGrowth"/>), in box sizes (the
    /// longer side) on each side of its predicted box. At least 0.
    /// </summary>
    public double LostTrackSearchLimit { get; init; } = 2;

    /// <summary>
    /// How long after its last match a lost track is still reported, at its predicted box, with state
    /// <see cref="Core.Objects.TrackState.Lost"/> and a detection that has the track's class and last score but no
    /// mask or keypoints (nothing was seen). Bridges a detector's one- or two-frame misses for consumers
    /// that draw or count objects; zero reports matched tracks only, as ByteTrack does. Not longer than
    /// <see cref="LostTrackBuffer"/>.
    /// </summary>
    public TrackDuration ReportLostTracksFor { get; init; } = TrackDuration.FromFrames(0);

    /// <summary>
    /// Whether objects are told apart by what they look like as well as by where their boxes are: the detector stage
    /// computes each detection's colour histogram (<see cref="Core.Appearance.ColorHistogram"/>, from its mask's pixels)
    /// and <see cref="ByteTracker"/> keeps an average of each track's (BoT-SORT's exponential average, α = 0.9), fuses it
    /// into the first association, lets it decide which detection in a lost track's search area is the track's, and never
    /// matches a pair that looks too different (<see cref="AppearanceRejectDistance"/>). Off,
    /// or with detections that carry no histogram, ByteTracker matches by boxes alone. <see cref="IouTracker"/> never
    /// uses it.
    /// </summary>
    public bool Appearance { get; init; } = true;

    /// <summary>
    /// Up to this appearance distance (Bhattacharyya, in [0, 1]) a detection looks like a track: in the first association
    /// the pair's cost is lowered to the distance (BoT-SORT's <c>appearance_thresh</c>), and in a lost track's search area
    /// the closest-looking detection is taken first. The same person measures 0.05–0.18 between frames half a second
    /// apart on the synthetic walkers (5th–95th percentile, fully visible), two different people 0.60–0.98; 0.35 lies
    /// between. In (0, 1], not above <see cref="AppearanceRejectDistance"/>.
    /// </summary>
    public float AppearanceMatchDistance { get; init; } = 0.35f;

    /// <summary>
    /// Beyond this appearance distance a detection is never a track's, in any association (ours; BoT-SORT only lowers
    /// costs): a track whose own detection is missing would otherwise take a crossing neighbour's that overlaps its
    /// prediction. 0.6 is where different people begin on the synthetic walkers (their 5th percentile), well above a
    /// partial view of the same person. In (0, 1].
    /// </summary>
    public float AppearanceRejectDistance { get; init; } = 0.6f;

    /// <summary>
    /// In a lost track's search area (step 3), a detection less than half as wide or half as tall as the track was last
    /// seen whole is a partial view (the first sliver of someone stepping out from behind a pillar) and is rejected only
    /// beyond this appearance distance: a 4-px strip of a person's side has other colours than their whole body (seed 7
    /// of the walkers: 0.64–0.66 from the person's own average, who then got a new id). Between
    /// <see cref="AppearanceMatchDistance"/> and this it is ranked after every close-looking candidate, as any pair in
    /// between. In (0, 1], not below <see cref="AppearanceRejectDistance"/>.
    /// </summary>
    public float AppearancePartialRejectDistance { get; init; } = 0.7f;

    /// <summary>
    /// In the first association appearance counts only for pairs whose boxes overlap by at least this IoU (BoT-SORT's
    /// <c>proximity_thresh</c>, 0.5): someone who looks alike far away is not the track. In (0, 1].
    /// </summary>
    public float AppearanceMinIou { get; init; } = 0.5f;

    /// <summary>
    /// A detection whose mask lies at least this fraction inside the mask of a higher-scoring detection of the same class is
    /// taken for a part of that object and not tracked (ours; NMS by intersection over the smaller mask). Mask R-CNN's
    /// class-wise NMS compares boxes by IoU, and the box around one side of a person split by a pillar, or around the legs
    /// under a table, overlaps the whole person's box by less than its 0.5, so both come out, both scored high; the part
    /// then starts a track of its own or takes a neighbour's. Two real objects' masks hardly overlap, however much their boxes
    /// do (the one behind shows only its visible pixels). Detections without masks are never compared. The default, 0.5,
    /// was chosen on the synthetic walkers' development sequences (docs/TRACKING.md, (b)). In (0, 1], or 0 (off).
    /// </summary>
    public float ContainedMaskFraction { get; init; } = 0.5f;

    /// <summary>Every problem with these options, one line each, naming the key, the value and what is allowed; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        UnitInterval(errors, nameof(HighScoreThreshold), HighScoreThreshold);
        UnitInterval(errors, nameof(LowScoreThreshold), LowScoreThreshold);
        UnitInterval(errors, nameof(NewTrackThreshold), NewTrackThreshold);
        UnitInterval(errors, nameof(MatchThreshold), MatchThreshold);
        UnitInterval(errors, nameof(LowScoreMatchThreshold), LowScoreMatchThreshold);
        UnitInterval(errors, nameof(TentativeMatchThreshold), TentativeMatchThreshold);
        UnitInterval(errors, nameof(DuplicateIou), DuplicateIou);
        UnitInterval(errors, nameof(AppearanceMatchDistance), AppearanceMatchDistance);
        UnitInterval(errors, nameof(AppearanceRejectDistance), AppearanceRejectDistance);
        UnitInterval(errors, nameof(AppearanceMinIou), AppearanceMinIou);
        UnitInterval(errors, nameof(AppearancePartialRejectDistance), AppearancePartialRejectDistance);
        if (AppearancePartialRejectDistance < AppearanceRejectDistance && InUnitInterval(AppearancePartialRejectDistance) && InUnitInterval(AppearanceRejectDistance))
            errors.Add(Line(nameof(AppearancePartialRejectDistance), Format(AppearancePartialRejectDistance),
                $"must not be below {nameof(AppearanceRejectDistance)} ({Format(AppearanceRejectDistance)})"));
        if (ContainedMaskFraction != 0) UnitInterval(errors, nameof(ContainedMaskFraction), ContainedMaskFraction, "must be in (0, 1], or 0 (off)");
        if (AppearanceMatchDistance > AppearanceRejectDistance && InUnitInterval(AppearanceMatchDistance) && InUnitInterval(AppearanceRejectDistance))
            errors.Add(Line(nameof(AppearanceMatchDistance), Format(AppearanceMatchDistance),
                $"must not exceed {nameof(AppearanceRejectDistance)} ({Format(AppearanceRejectDistance)})"));
        if (LowScoreThreshold > HighScoreThreshold && InUnitInterval(LowScoreThreshold) && InUnitInterval(HighScoreThreshold))
            errors.Add(Line(nameof(LowScoreThreshold), Format(LowScoreThreshold),
                $"must not exceed {nameof(HighScoreThreshold)} ({Format(HighScoreThreshold)})"));
        if (!Enum.IsDefined(Metric))
            errors.Add(Line(nameof(Metric), Metric.ToString(), $"must be one of {string.Join(", ", Enum.GetNames<AssociationMetric>())}"));
        if (!Enum.IsDefined(MotionModel))
            errors.Add(Line(nameof(MotionModel), MotionModel.ToString(), $"must be one of {string.Join(", ", Enum.GetNames<MotionModel>())}"));
        if (!(LostTrackSearchGrowth >= 0) || !double.IsFinite(LostTrackSearchGrowth))
            errors.Add(Line(nameof(LostTrackSearchGrowth), LostTrackSearchGrowth.ToString(CultureInfo.InvariantCulture), "must be zero or positive, and finite"));
        if (!(LostTrackSearchLimit >= 0) || !double.IsFinite(LostTrackSearchLimit))
            errors.Add(Line(nameof(LostTrackSearchLimit), LostTrackSearchLimit.ToString(CultureInfo.InvariantCulture), "must be zero or positive, and finite"));
        if (HitsToConfirm < 1)
            errors.Add(Line(nameof(HitsToConfirm), HitsToConfirm.ToString(CultureInfo.InvariantCulture), "must be at least 1"));
        if (!Enum.IsDefined(LostTrackBuffer.Unit))
            errors.Add(Line(nameof(LostTrackBuffer), LostTrackBuffer.Unit.ToString(), "unit must be Frames or Seconds"));
        else if (!(LostTrackBuffer.Value > 0) || !double.IsFinite(LostTrackBuffer.Value))
            errors.Add(Line(nameof(LostTrackBuffer), LostTrackBuffer.ToString(), "must be positive and finite"));
        if (!Enum.IsDefined(EdgeLostTrackBuffer.Unit))
            errors.Add(Line(nameof(EdgeLostTrackBuffer), EdgeLostTrackBuffer.Unit.ToString(), "unit must be Frames or Seconds"));
        else if (!(EdgeLostTrackBuffer.Value > 0) || !double.IsFinite(EdgeLostTrackBuffer.Value))
            errors.Add(Line(nameof(EdgeLostTrackBuffer), EdgeLostTrackBuffer.ToString(), "must be positive and finite"));
        else if (EdgeLostTrackBuffer.Unit == LostTrackBuffer.Unit && LostTrackBuffer.Value > 0 && EdgeLostTrackBuffer.Value > LostTrackBuffer.Value)
            errors.Add(Line(nameof(EdgeLostTrackBuffer), EdgeLostTrackBuffer.ToString(),
                $"must not exceed {nameof(LostTrackBuffer)} ({LostTrackBuffer})"));
        if (!(SmallDetectionArea >= 0) || !double.IsFinite(SmallDetectionArea))
            errors.Add(Line(nameof(SmallDetectionArea), SmallDetectionArea.ToString(CultureInfo.InvariantCulture), "must be zero or positive, and finite (square pixels)"));
        if (!(MaxHeightGrowth >= 1))
            errors.Add(Line(nameof(MaxHeightGrowth), Format(MaxHeightGrowth), "must be at least 1"));
        if (!Enum.IsDefined(ReportLostTracksFor.Unit))
            errors.Add(Line(nameof(ReportLostTracksFor), ReportLostTracksFor.Unit.ToString(), "unit must be Frames or Seconds"));
        else if (!(ReportLostTracksFor.Value >= 0) || !double.IsFinite(ReportLostTracksFor.Value))
            errors.Add(Line(nameof(ReportLostTracksFor), ReportLostTracksFor.ToString(), "must be zero or positive, and finite"));
        else if (ReportLostTracksFor.Unit == LostTrackBuffer.Unit && ReportLostTracksFor.Value > LostTrackBuffer.Value)
            errors.Add(Line(nameof(ReportLostTracksFor), ReportLostTracksFor.ToString(),
                $"must not exceed {nameof(LostTrackBuffer)} ({LostTrackBuffer})"));
        return errors;
    }

    /// <summary>Throws <see cref="ArgumentException"/> with the first line of <see cref="Validate"/> when the options are invalid.</summary>
    public void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0) throw new ArgumentException(errors[0]);
    }

    /// <summary><see cref="LostTrackBuffer"/> in frames at <paramref name="frameRate"/>, at least one frame.</summary>
    internal int LostTrackBufferFrames(double frameRate) => Math.Max(1, LostTrackBuffer.ToFrames(frameRate));

    /// <summary><see cref="EdgeLostTrackBuffer"/> in frames, at least one, never beyond the buffer (the units may differ).</summary>
    internal int EdgeLostTrackBufferFrames(double frameRate) =>
        Math.Min(Math.Max(1, EdgeLostTrackBuffer.ToFrames(frameRate)), LostTrackBufferFrames(frameRate));

    /// <summary><see cref="ReportLostTracksFor"/> in frames, never beyond the buffer (the units may differ).</summary>
    internal int ReportLostFrames(double frameRate) =>
        Math.Min(Math.Max(0, ReportLostTracksFor.ToFrames(frameRate)), LostTrackBufferFrames(frameRate));

    internal static void ThrowIfBadFrameRate(double frameRate)
    {
        if (!(frameRate > 0) || !double.IsFinite(frameRate))
            throw new ArgumentException(
                $"frameRate = {frameRate.ToString(CultureInfo.InvariantCulture)}: must be a positive, finite number of frames per second");
    }

    private static bool InUnitInterval(float v) => v > 0f && v <= 1f;

    private static void UnitInterval(List<string> errors, string name, float value, string rule = "must be in (0, 1]")
    {
        if (!InUnitInterval(value)) errors.Add(Line(name, Format(value), rule));
    }

    private static string Format(float v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Line(string key, string value, string rule) => $"{SectionName}:{key} = {value}: {rule}";
}
