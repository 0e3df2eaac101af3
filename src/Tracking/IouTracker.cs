using MaskStream.Core.Geometry;
using MaskStream.Core.Objects;
using MaskStream.Tracking.Implementation;

namespace MaskStream.Tracking;

/// <summary>
/// The baseline: a plain IoU tracker (in the spirit of Bochinski et al., AVSS 2017) with no motion model.
/// Each frame, pairs of a track's latest box and a detection box of the same class are taken greedily in
/// order of IoU, down to an IoU of 1 − <see cref="TrackerOptions.MatchThreshold"/>. It shares the lifecycle
/// of <see cref="ByteTracker"/> (<see cref="TrackerOptions.HitsToConfirm"/>,
/// <see cref="TrackerOptions.LostTrackBuffer"/>, <see cref="TrackerOptions.NewTrackThreshold"/>); detections
/// below <see cref="TrackerOptions.HighScoreThreshold"/> are ignored, and the other options do not apply.
/// A lost track waits where it was last seen, which is exactly why it loses people who walk behind things.
/// </summary>
public sealed class IouTracker : IMultiObjectTracker
{
    private readonly TrackerOptions _options;
    private readonly int _lostBufferFrames;
    private readonly TrackBook _book;
    private readonly List<int> _valid = new(64);
    private readonly List<int> _dets = new(64);
    private double[] _keys = new double[256];
    private int[] _pairs = new int[256];
    private bool[] _trackTaken = new bool[64];
    private bool[] _detTaken = new bool[64];

    /// <param name="options">Validated here: an invalid value throws <see cref="ArgumentException"/> with one line naming it.</param>
    /// <param name="frameRate">The camera's frames per second, for durations given in seconds.</param>
    public IouTracker(TrackerOptions options, double frameRate)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.ThrowIfInvalid();
        TrackerOptions.ThrowIfBadFrameRate(frameRate);
        _options = options;
        _lostBufferFrames = options.LostTrackBufferFrames(frameRate);
        _book = new TrackBook(options.HitsToConfirm, options.ReportLostFrames(frameRate));
    }

    public long SkippedDetections => _book.SkippedDetections;

    /// <summary>Tracks held in memory (tentative, tracked and lost), for tests of the memory bound.</summary>
    internal int LiveTracks => _book.Tracks.Count;

    /// <summary>The id the next track will get.</summary>
    internal long NextId => _book.NextId;

    public TrackingResult Update(DetectedFrame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        _book.Advance(frame.Info);
        int skipped = _book.SelectValid(frame.Detections, _valid);
        _dets.Clear();
        foreach (int i in _valid)
            if (frame.Detections[i].Score >= _options.HighScoreThreshold) _dets.Add(i);

        var tracks = _book.Tracks;
        int liveTracks = tracks.Count;
        MatchGreedily(frame, tracks, liveTracks);

        for (int r = 0; r < liveTracks; r++)
        {
            var t = tracks[r];
            if (_trackTaken[r]) continue;
            if (t.State == TrackState.New) _book.Remove(t);
            else if (t.State == TrackState.Tracked) _book.MarkLost(t);
            else if (t.State == TrackState.Lost && _book.Tick - t.LastMatchTick > _lostBufferFrames) _book.Remove(t);
        }
        for (int c = 0; c < _dets.Count; c++)
        {
            var d = frame.Detections[_dets[c]];
            if (!_detTaken[c] && d.Score >= _options.NewTrackThreshold) _book.Start(d, frame.Info.FrameNumber);
        }
        return _book.Finish(frame.Info, skipped);
    }

    private void MatchGreedily(DetectedFrame frame, List<Track> tracks, int rows)
    {
        int cols = _dets.Count;
        Grow(ref _trackTaken, rows);
        Grow(ref _detTaken, cols);
        Grow(ref _keys, rows * cols);
        Grow(ref _pairs, rows * cols);
        _trackTaken.AsSpan(0, rows).Clear();
        _detTaken.AsSpan(0, cols).Clear();

        double minIou = 1.0 - _options.MatchThreshold;
        int n = 0;
        for (int r = 0; r < rows; r++)
        {
            var t = tracks[r];
            for (int c = 0; c < cols; c++)
            {
                var d = frame.Detections[_dets[c]];
                if (d.ClassId != t.ClassId) continue;
                double iou = BoxF.Iou(t.Detection.Box, d.Box);
                if (iou <= 0 || iou < minIou) continue;
                _keys[n] = -iou;
                _pairs[n++] = r * cols + c;
            }
        }
        _keys.AsSpan(0, n).Sort(_pairs.AsSpan(0, n));

        for (int k = 0; k < n; k++)
        {
            int r = _pairs[k] / cols, c = _pairs[k] % cols;
            if (_trackTaken[r] || _detTaken[c]) continue;
            _trackTaken[r] = _detTaken[c] = true;
            _book.Matched(tracks[r], frame.Detections[_dets[c]], frame.Info.FrameNumber);
        }
    }

    private static void Grow<T>(ref T[] buffer, int size)
    {
        if (buffer.Length < size) buffer = new T[Math.Max(size, buffer.Length * 2)];
    }
}
