using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Tracking.Association;
using MaskStream.Tracking.Implementation;
using MaskStream.Tracking.Kalman;

namespace MaskStream.Tracking;

/// <summary>
/// ByteTrack (Zhang et al., ECCV 2022; <c>yolox/tracker/byte_tracker.py</c>) for one camera: a Kalman
/// filter per track, high-score detections matched first against every confirmed track, then low-score
/// ones against the tracks still unmatched, so a person fading behind an obstacle keeps their track while
/// the detector's confidence drops. Tracks only take detections of their own class. Lost tracks keep
/// moving with their prediction for <see cref="TrackerOptions.LostTrackBuffer"/> (or only
/// <see cref="TrackerOptions.EdgeLostTrackBuffer"/> when last seen at the frame's edge) and are re-found under
/// their old id. What we add to ByteTrack, each for a failure measured on the synthetic walkers
/// (docs/TRACKING.md): partly hidden boxes feed the filter the object's size, not the sliver's
/// (<see cref="Implementation.Occlusion"/>); tiny detections never carry an identity
/// (<see cref="TrackerOptions.SmallDetectionArea"/>); a detection much taller than a track is not it
/// (<see cref="TrackerOptions.MaxHeightGrowth"/>); lost tracks search a widening area at the size they were last seen
/// whole, the most recently lost first (DeepSORT's matching cascade). The Kalman state is BoT-SORT's xywh by default
/// (<see cref="TrackerOptions.MotionModel"/>). When detections carry colour histograms (<see cref="TrackerOptions.Appearance"/>),
/// each track averages its own (BoT-SORT's EMA), the first association fuses them with IoU as BoT-SORT does, appearance
/// decides among the detections in a lost track's search area, and a pair that looks too different is never matched.
/// </summary>
public sealed class ByteTracker : IMultiObjectTracker
{
    private readonly TrackerOptions _options;
    private readonly int _lostBufferFrames;
    private readonly double _growthPerFrame;
    private readonly int _edgeBufferFrames;

    // A track last seen at the frame's edge most likely walked out: its area widens at this rate (box sizes a second)
    // whatever LostTrackSearchGrowth is, so that the next person walking in at that edge is not taken for it within the
    // short EdgeLostTrackBuffer, while one walking along the edge, partly outside, is still re-found.
    private const double EdgeSearchGrowthPerSecond = 1.5;
    private readonly double _edgeGrowthPerFrame;

    // How fast a track forgets the largest box it was seen with (half-life, seconds). Long enough to outlast the few
    // frames in which a person narrows behind a pillar; short enough to follow one walking away (shrinking with distance).
    private const double FullSizeHalfLifeSeconds = 1.0;
    private readonly double _fullSizeHalfLifeFrames;
    private readonly TrackBook _book;
    private readonly Matcher _matcher = new();

    // Appearance in the first association (BoT-SORT's fusion), in the lost tracks' search (it decides) and for low-score
    // detections (it only rejects); None when off.
    private readonly AppearanceCost _fuseAppearance;
    private readonly AppearanceCost _decideByAppearance;
    private readonly AppearanceCost _rejectByAppearance;

    // A detection overlapping another by more than this IoU shows some of the other's pixels: its histogram is mixed and
    // would poison the track's average (BoT-SORT updates features of every match; its ReID crops suffer the same).
    private const float AppearanceUpdateMaxIou = 0.3f;

    // Per-frame index lists into the detections / tracks; cleared, never reallocated after warm-up.
    private readonly List<int> _valid = new(64);
    private readonly List<int> _high = new(64);
    private readonly List<int> _low = new(64);
    private readonly List<Track> _pool = new(64);
    private readonly List<Track> _leftTracked = new(64);
    private readonly List<Track> _tentative = new(64);
    private readonly List<int> _leftHigh = new(64);
    private readonly List<int> _byScore = new(64);
    private bool[] _dropped = new bool[64];
    private int _frameWidth, _frameHeight;

    /// <param name="options">Validated here: an invalid value throws <see cref="ArgumentException"/> with one line naming it.</param>
    /// <param name="frameRate">The camera's frames per second, for durations given in seconds.</param>
    public ByteTracker(TrackerOptions options, double frameRate)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        TrackerOptions.ThrowIfBadFrameRate(frameRate);
        _options = options;
        _lostBufferFrames = options.LostTrackBufferFrames(frameRate);
        _growthPerFrame = options.LostTrackSearchGrowth / frameRate;
        _edgeGrowthPerFrame = Math.Min(EdgeSearchGrowthPerSecond, options.LostTrackSearchGrowth) / frameRate;
        _edgeBufferFrames = options.EdgeLostTrackBufferFrames(frameRate);
        _fullSizeHalfLifeFrames = FullSizeHalfLifeSeconds * frameRate;
        _book = new TrackBook(options.HitsToConfirm, options.ReportLostFrames(frameRate));
        if (options.Appearance)
        {
            _fuseAppearance = new AppearanceCost(AppearanceUse.Fuse, options.AppearanceMatchDistance, options.AppearanceRejectDistance,
                options.AppearanceMinIou);
            _decideByAppearance = _fuseAppearance with { Use = AppearanceUse.Decide, PartialRejectDistance = options.AppearancePartialRejectDistance };
            _rejectByAppearance = _fuseAppearance with { Use = AppearanceUse.Reject };
        }
    }

    public long SkippedDetections => _book.SkippedDetections;

    /// <summary>Tracks held in memory (tentative, tracked and lost), for tests of the memory bound.</summary>
    internal int LiveTracks => _book.Tracks.Count;

    /// <summary>The id the next track will get.</summary>
    internal long NextId => _book.NextId;

    public TrackingResult Update(DetectedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        int elapsed = _book.Advance(frame.Info);
        int skipped = _book.SelectValid(frame.Detections, _valid);
        if (_options.ContainedMaskFraction > 0) DropContainedParts(frame.Detections);
        SplitByScore(frame);
        _frameWidth = frame.Info.Width;
        _frameHeight = frame.Info.Height;
        Predict(elapsed, frame.Info.Width, frame.Info.Height);
        AssociateHighScore(frame);
        AssociateLowScore(frame);
        AssociateLostWidened(frame);
        AssociateTentative(frame);
        StartNewTracks(frame);
        ExpireLost();
        RemoveDuplicates();
        return _book.Finish(frame.Info, skipped);
    }

    /// <summary>Detections that are parts of a higher-scoring one (<see cref="TrackerOptions.ContainedMaskFraction"/>) taken out of <see cref="_valid"/>.</summary>
    internal long DroppedParts { get; private set; }

    /// <summary>
    /// Greedy, as NMS: in falling score order, a detection is dropped when its mask lies mostly inside the mask of one
    /// kept before it. <see cref="_valid"/> keeps its order.
    /// </summary>
    private void DropContainedParts(System.Collections.Immutable.ImmutableArray<Detection> detections)
    {
        if (_dropped.Length < detections.Length) _dropped = new bool[Math.Max(detections.Length, 2 * _dropped.Length)];
        _byScore.Clear();
        foreach (int i in _valid)
        {
            // Insertion by score, ties in detection order: a frame holds tens of detections.
            int at = _byScore.Count;
            while (at > 0 && detections[_byScore[at - 1]].Score < detections[i].Score) at--;
            _byScore.Insert(at, i);
            _dropped[i] = false;
        }
        float fraction = _options.ContainedMaskFraction;
        int dropped = 0;
        for (int a = 1; a < _byScore.Count; a++)
        {
            var part = detections[_byScore[a]];
            if (part.Mask is not { Area: > 0 } partMask) continue;
            for (int b = 0; b < a; b++)
            {
                if (_dropped[_byScore[b]]) continue;
                var whole = detections[_byScore[b]];
                if (whole.ClassId != part.ClassId || whole.Mask is not { } wholeMask || !(Core.Geometry.BoxF.IntersectionArea(part.Box, whole.Box) > 0)) continue;
                // pycocotools' crowd IoU is intersection over the first mask's area: the share of the part inside the whole.
                if (RleMask.PixelIou(partMask, wholeMask, gtIsCrowd: true) >= fraction)
                {
                    _dropped[_byScore[a]] = true;
                    dropped++;
                    break;
                }
            }
        }
        if (dropped == 0) return;
        DroppedParts += dropped;
        int n = 0;
        for (int k = 0; k < _valid.Count; k++)
            if (!_dropped[_valid[k]]) _valid[n++] = _valid[k];
        _valid.RemoveRange(n, _valid.Count - n);
    }

    /// <summary>
    /// ByteTrack's split by score, with detections smaller than <see cref="TrackerOptions.SmallDetectionArea"/> put
    /// with the low-score ones whatever their score: a few pixels of someone behind a pillar or at the frame's edge
    /// may continue the track that was there a frame ago, but are no evidence for re-finding a lost track or
    /// starting one.
    /// </summary>
    private void SplitByScore(DetectedFrame frame)
    {
        _high.Clear();
        _low.Clear();
        foreach (int i in _valid)
        {
            var d = frame.Detections[i];
            float s = d.Score;
            if (s < _options.LowScoreThreshold) continue;
            if (s >= _options.HighScoreThreshold && !(d.Box.Area < _options.SmallDetectionArea)) _high.Add(i);
            else _low.Add(i);
        }
    }

    /// <summary>
    /// Moves every track's Kalman state to this frame (one step per elapsed frame). As in ByteTrack, a track
    /// not tracked in the previous frame stops growing or shrinking (height velocity 0) but keeps moving, so it
    /// can be met where it reappears. Tentative tracks are predicted too (ByteTrack leaves them, which only
    /// makes a difference when more than two hits confirm). The box compared with detections is clipped to
    /// the frame, since detections are: an object leaving the frame shrinks against the edge while its
    /// unclipped prediction slides off it, and their IoU would fall to nothing.
    /// </summary>
    private void Predict(int elapsed, int width, int height)
    {
        int steps = Math.Min(elapsed, _lostBufferFrames + 1);
        foreach (var t in _book.Tracks)
        {
            for (int s = 0; s < steps; s++)
            {
                if (t.State != TrackState.Tracked || s > 0)
                {
                    // Ours: the aspect stops changing too, or a track lost while shrinking behind an edge goes on
                    // narrowing to nothing and can never be re-found.
                    t.Kalman.Mean[6] = 0;
                    t.Kalman.Mean[7] = 0;
                }
                t.Kalman = KalmanFilter.Predict(t.Kalman);
            }
            var box = t.Kalman.Box;
            // Ours: a lost track is looked for at the size it was last seen whole, not at the sliver it narrowed to
            // behind a pillar (which the filter's width follows in the xywh model).
            if (t.State == TrackState.Lost) box = AtLeast(box, t.FullWidth, t.FullHeight);
            t.PredictedBox = box.Clip(width, height);
        }
    }

    /// <summary><paramref name="b"/> widened and heightened about its centre to at least <paramref name="w"/> x <paramref name="h"/>.</summary>
    private static Core.Geometry.BoxF AtLeast(in Core.Geometry.BoxF b, double w, double h)
    {
        double bw = Math.Max(b.Width, w), bh = Math.Max(b.Height, h);
        double cx = 0.5 * ((double)b.X1 + b.X2), cy = 0.5 * ((double)b.Y1 + b.Y2);
        return new Core.Geometry.BoxF((float)(cx - 0.5 * bw), (float)(cy - 0.5 * bh), (float)(cx + 0.5 * bw), (float)(cy + 0.5 * bh));
    }

    /// <summary>Step 1: high-score detections against all confirmed tracks (tracked and lost).</summary>
    private void AssociateHighScore(DetectedFrame frame)
    {
        _pool.Clear();
        foreach (var t in _book.Tracks)
            if (t.IsConfirmed) _pool.Add(t);

        _matcher.Begin(_pool.Count, _high.Count);
        bool masks = _options.Metric == AssociationMetric.MaskIou;
        for (int r = 0; r < _pool.Count; r++)
        {
            var t = _pool[r];
            // A lost track's mask is where it was last seen, not where it is now: compare its predicted box.
            _matcher.SetRow(r, t.PredictedBox, t.ClassId, masks && t.State == TrackState.Tracked ? t.Detection.Mask : null, AppearanceOf(t));
        }
        SetColumns(frame, _high, masks);
        _matcher.Solve(_options.MatchThreshold, _options.FuseScore, masks, maxHeightGrowth: _options.MaxHeightGrowth,
            appearance: _fuseAppearance);

        _leftTracked.Clear();
        var colForRow = _matcher.ColForRow;
        for (int r = 0; r < _pool.Count; r++)
        {
            var t = _pool[r];
            if (colForRow[r] >= 0) Apply(t, frame, _high[colForRow[r]]);
            else if (t.State == TrackState.Tracked) _leftTracked.Add(t);
        }

        _leftHigh.Clear();
        var rowForCol = _matcher.RowForCol;
        for (int c = 0; c < _high.Count; c++)
            if (rowForCol[c] < 0) _leftHigh.Add(_high[c]);
    }

    /// <summary>
    /// Step 2: low-score detections continue tracks tracked last frame that step 1 left; the rest are lost. A low
    /// score or a small box usually means a partly hidden object, so a detection much smaller than the prediction is
    /// compared completed to the predicted size from its edge that agrees with the prediction (as the filter will
    /// take it, see <see cref="Occlusion"/>).
    /// </summary>
    private void AssociateLowScore(DetectedFrame frame)
    {
        _matcher.Begin(_leftTracked.Count, _low.Count);
        for (int r = 0; r < _leftTracked.Count; r++)
            _matcher.SetRow(r, _leftTracked[r].PredictedBox, _leftTracked[r].ClassId, null, AppearanceOf(_leftTracked[r]));
        SetColumns(frame, _low, masks: false);
        _matcher.Solve(_options.LowScoreMatchThreshold, fuseScore: false, useMasks: false, BoxCost.CompletedIou, _options.MaxHeightGrowth,
            _rejectByAppearance);

        var colForRow = _matcher.ColForRow;
        for (int r = 0; r < _leftTracked.Count; r++)
        {
            if (colForRow[r] >= 0) Apply(_leftTracked[r], frame, _low[colForRow[r]]);
            else _book.MarkLost(_leftTracked[r]);
        }
    }

    /// <summary>
    /// Step 2b (ours, after C-BIoU, Yang et al., WACV 2023): lost tracks against the high-score detections that
    /// nothing took, the track's predicted box widened on every side by <see cref="TrackerOptions.LostTrackSearchGrowth"/>
    /// of its size per second lost, the cost being 1 − the share of the detection inside that area: a person's
    /// first sliver stepping out from behind a pillar lies inside it, where its IoU with the large area is poor.
    /// Tracks lost one frame ago choose first, then those lost two frames ago, and so on (DeepSORT's matching
    /// cascade): a long-lost track's wide area covers whoever walks by, and must not take a detection from the
    /// track that lost its object a moment ago.
    /// </summary>
    private void AssociateLostWidened(DetectedFrame frame)
    {
        if (_growthPerFrame <= 0) return;
        long age = 0;
        while (_leftHigh.Count > 0)
        {
            long next = long.MaxValue;
            foreach (var t in _book.Tracks)
            {
                long a = _book.Tick - t.LastMatchTick;
                if (t.State == TrackState.Lost && a > age && a < next) next = a;
            }
            if (next == long.MaxValue) return;
            age = next;
            AssociateLostWidened(frame, age);
        }
    }

    private void AssociateLostWidened(DetectedFrame frame, long age)
    {
        _pool.Clear();
        foreach (var t in _book.Tracks)
            if (t.State == TrackState.Lost && _book.Tick - t.LastMatchTick == age) _pool.Add(t);

        double g = Math.Min(_growthPerFrame * age, _options.LostTrackSearchLimit);
        double atEdge = Math.Min(_edgeGrowthPerFrame * age, _options.LostTrackSearchLimit);
        _matcher.Begin(_pool.Count, _leftHigh.Count);
        for (int r = 0; r < _pool.Count; r++)
        {
            var track = _pool[r];
            var growth = AtEdge(track.LastObservation, _frameWidth, _frameHeight) ? atEdge : g;
            _matcher.SetRow(r, Widen(track.PredictedBox, growth), track.ClassId, null, AppearanceOf(track),
                (float)track.FullWidth, (float)track.FullHeight);
        }
        SetColumns(frame, _leftHigh, masks: false);
        _matcher.Solve(_options.MatchThreshold, _options.FuseScore, useMasks: false, BoxCost.Coverage, appearance: _decideByAppearance);

        var colForRow = _matcher.ColForRow;
        for (int r = 0; r < _pool.Count; r++)
            if (colForRow[r] >= 0) Apply(_pool[r], frame, _leftHigh[colForRow[r]]);

        var rowForCol = _matcher.RowForCol;
        int n = 0;
        for (int c = 0; c < _leftHigh.Count; c++)
            if (rowForCol[c] < 0) _leftHigh[n++] = _leftHigh[c];
        _leftHigh.RemoveRange(n, _leftHigh.Count - n);
    }

    /// <summary>
    /// <paramref name="b"/> grown on every side by <paramref name="growth"/> times its longer side. Not each axis by its own
    /// extent: how far an object can have gone scales with its size in the image (near objects look bigger and move more
    /// pixels per second), and its longer side is that size for a person (height) as for a car or a dog (length). By its
    /// own width, a person seen side-on (a third as wide as tall) or last seen as a sliver beside a pillar would be
    /// searched for a few pixels sideways, where they walk.
    /// </summary>
    private static Core.Geometry.BoxF Widen(in Core.Geometry.BoxF b, double growth)
    {
        float d = (float)(growth * Math.Max(b.Width, b.Height));
        return new Core.Geometry.BoxF(b.X1 - d, b.Y1 - d, b.X2 + d, b.Y2 + d);
    }

    /// <summary>Step 3: tentative tracks take their next detection from the high-score ones left, or are dropped.</summary>
    private void AssociateTentative(DetectedFrame frame)
    {
        _tentative.Clear();
        foreach (var t in _book.Tracks)
            if (t.State == TrackState.New) _tentative.Add(t);

        bool masks = _options.Metric == AssociationMetric.MaskIou;
        _matcher.Begin(_tentative.Count, _leftHigh.Count);
        for (int r = 0; r < _tentative.Count; r++)
            _matcher.SetRow(r, _tentative[r].PredictedBox, _tentative[r].ClassId, masks ? _tentative[r].Detection.Mask : null);
        SetColumns(frame, _leftHigh, masks);
        _matcher.Solve(_options.TentativeMatchThreshold, _options.FuseScore, masks);

        var colForRow = _matcher.ColForRow;
        for (int r = 0; r < _tentative.Count; r++)
        {
            if (colForRow[r] >= 0) Apply(_tentative[r], frame, _leftHigh[colForRow[r]]);
            else _book.Remove(_tentative[r]);
        }

        // Keep only the still-unmatched high-score detections, in order, for new tracks.
        var rowForCol = _matcher.RowForCol;
        int n = 0;
        for (int c = 0; c < _leftHigh.Count; c++)
            if (rowForCol[c] < 0) _leftHigh[n++] = _leftHigh[c];
        _leftHigh.RemoveRange(n, _leftHigh.Count - n);
    }

    /// <summary>Step 4: unmatched high-score detections confident enough start tracks.</summary>
    private void StartNewTracks(DetectedFrame frame)
    {
        foreach (int i in _leftHigh)
        {
            var d = frame.Detections[i];
            if (d.Score < _options.NewTrackThreshold) continue;
            var t = _book.Start(d, frame.Info.FrameNumber);
            t.Kalman = KalmanFilter.Initiate(d.Box, _options.MotionModel);
            t.PredictedBox = d.Box;
            t.LastObservation = d.Box;
            t.FullWidth = d.Box.Width;
            t.FullHeight = d.Box.Height;
            UpdateAppearance(t, frame, i, occluded: false);
        }
    }

    /// <summary>
    /// Step 5: lost tracks unmatched for longer than their buffer end: <see cref="TrackerOptions.EdgeLostTrackBuffer"/>
    /// when last seen touching the frame's edge (the object most likely walked out, and a track kept there would
    /// take the next one walking in beside it), <see cref="TrackerOptions.LostTrackBuffer"/> otherwise.
    /// </summary>
    private void ExpireLost()
    {
        foreach (var t in _book.Tracks)
        {
            if (t.State != TrackState.Lost) continue;
            long lost = _book.Tick - t.LastMatchTick;
            if (lost > _lostBufferFrames) _book.Remove(t);
            else if (lost > _edgeBufferFrames && AtEdge(t.LastObservation, _frameWidth, _frameHeight)) _book.Remove(t);
            // A prediction that collapsed (aspect or width, or height ≤ 0 after long extrapolation) can no longer match anything.
            else if (!(t.Kalman.Mean[2] > 0 && t.Kalman.Mean[3] > 0)) _book.Remove(t);
            // Ours: a track whose prediction has left the frame walked out of it; kept, it would take the next
            // object walking in at that edge under its id.
            else if (MostlyOutside(t.Kalman.Box, _frameWidth, _frameHeight)) _book.Remove(t);
        }
    }

    /// <summary>
    /// ByteTrack's <c>remove_duplicate_stracks</c>: a tracked and a lost track of one class that nearly coincide
    /// describe one object; the one with the shorter history goes. Unless they look different: then the lost one's
    /// object is still hidden where someone else now stands.
    /// </summary>
    private void RemoveDuplicates()
    {
        var tracks = _book.Tracks;
        for (int i = 0; i < tracks.Count; i++)
        {
            var a = tracks[i];
            if (a.State != TrackState.Tracked) continue;
            for (int j = 0; j < tracks.Count; j++)
            {
                var b = tracks[j];
                if (b.State != TrackState.Lost || b.ClassId != a.ClassId) continue;
                if (Core.Geometry.BoxF.Iou(a.Kalman.Box, b.Kalman.Box) <= _options.DuplicateIou) continue;
                if (LookDifferent(a, b)) continue;
                if (a.History > b.History) _book.Remove(b);
                else
                {
                    _book.Remove(a);
                    break;
                }
            }
        }
    }

    private void SetColumns(DetectedFrame frame, List<int> indices, bool masks)
    {
        for (int c = 0; c < indices.Count; c++)
        {
            var d = frame.Detections[indices[c]];
            _matcher.SetCol(c, d.Box, d.ClassId, d.Score, masks ? d.Mask : null, _options.Appearance ? d.Appearance : null);
        }
    }

    /// <summary>Whether two tracks' averaged histograms are farther apart than <see cref="TrackerOptions.AppearanceRejectDistance"/>.</summary>
    private bool LookDifferent(Track a, Track b) =>
        _options.Appearance && a.HasAppearance && b.HasAppearance
        && Core.Appearance.ColorHistogram.Distance(a.Appearance, b.Appearance) > _options.AppearanceRejectDistance;

    private float[]? AppearanceOf(Track t) => _options.Appearance && t.HasAppearance ? t.Appearance : null;

    /// <summary>
    /// Blends the detection's histogram into the track's average when it shows the object alone: not judged partly hidden
    /// (<paramref name="occluded"/>) and not overlapping any other detection of the frame by more than
    /// <see cref="AppearanceUpdateMaxIou"/>.
    /// </summary>
    private void UpdateAppearance(Track t, DetectedFrame frame, int detectionIndex, bool occluded)
    {
        var d = frame.Detections[detectionIndex];
        // Low-score detections are not learnt from (BoT-SORT extracts features of high-score ones only): a track that a
        // chain of them carries onto background that looks like an object (a tree's edge) would learn its colours and
        // stay there, where its own colours would have rejected it.
        if (!_options.Appearance || d.Appearance is null || occluded || d.Score < _options.HighScoreThreshold) return;
        var box = d.Box;
        foreach (int j in _valid)
        {
            if (j == detectionIndex) continue;
            var other = frame.Detections[j].Box;
            // Most detections of a frame do not touch: skip the IoU for them.
            if (other.X1 >= box.X2 || other.X2 <= box.X1 || other.Y1 >= box.Y2 || other.Y2 <= box.Y1) continue;
            if (Core.Geometry.BoxF.Iou(box, other) > AppearanceUpdateMaxIou) return;
        }
        AppearanceAverage.Update(t.Appearance, ref t.HasAppearance, d.Appearance.Values);
    }

    private void Apply(Track t, DetectedFrame frame, int detectionIndex)
    {
        var d = frame.Detections[detectionIndex];
        if (t.State == TrackState.New)
        {
            t.Kalman = KalmanFilter.Update(t.Kalman, d.Box);
            t.LastObservation = d.Box;
            UpdateAppearance(t, frame, detectionIndex, occluded: false);
        }
        else
        {
            var predicted = t.Kalman.Box;
            var measured = Occlusion.Measurement(d.Box, predicted, out bool occluded);
            double vx = t.Kalman.Mean[4], vy = t.Kalman.Mean[5];
            t.Kalman = KalmanFilter.Update(t.Kalman, measured);
            if (occluded)
            {
                // The box shrank because something covers part of the object, not because the object shrinks. Nor does
                // the completed box say how fast it moves: which edge is the object's was guessed from the prediction,
                // and a wrong guess (or an occluder that covers more each frame) would teach the filter the occluder's
                // edge as the object's motion just before it is hidden and must be re-found. Position is corrected,
                // velocity is kept from the observations before (as OC-SORT trusts observations, not estimates).
                t.Kalman.Mean[4] = vx;
                t.Kalman.Mean[5] = vy;
                t.Kalman.Mean[6] = 0;
                t.Kalman.Mean[7] = 0;
            }
            t.LastObservation = measured;
            double decay = Math.Pow(0.5, (_book.Tick - t.LastMatchTick) / _fullSizeHalfLifeFrames);
            t.FullWidth = Math.Max(measured.Width, t.FullWidth * decay);
            t.FullHeight = Math.Max(measured.Height, t.FullHeight * decay);
            UpdateAppearance(t, frame, detectionIndex, occluded);
        }
        _book.Matched(t, d, frame.Info.FrameNumber);
    }

    /// <summary>Whether a box reaches within <see cref="EdgeMargin"/> pixels of the frame's border.</summary>
    private static bool AtEdge(in Core.Geometry.BoxF b, int width, int height) =>
        b.X1 <= EdgeMargin || b.Y1 <= EdgeMargin || b.X2 >= width - EdgeMargin || b.Y2 >= height - EdgeMargin;

    // Detections are clipped to the frame and jittered by a pixel or two: within 3 px counts as touching the edge.
    private const float EdgeMargin = 3;

    private static bool MostlyOutside(in Core.Geometry.BoxF box, int width, int height)
    {
        float area = box.Area;
        if (!(area > 0) || width <= 0 || height <= 0) return false;
        return box.Clip(width, height).Area < 0.25f * area;
    }
}
