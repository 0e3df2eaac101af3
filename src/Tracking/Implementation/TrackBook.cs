using System.Collections.Immutable;
using System.Runtime.InteropServices;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;

namespace MaskStream.Tracking.Implementation;

/// <summary>
/// The track lifecycle both trackers share: the clock, the live tracks in id order, id issue, start and end
/// events, and the output record. Removed tracks leave the list at the end of each frame and their objects
/// are recycled, so memory stays bounded however long a camera runs.
/// </summary>
internal sealed class TrackBook
{
    // Recycled Track objects kept for reuse; beyond this many, removed tracks are left to the GC.
    private const int MaxRecycled = 256;

    private readonly List<Track> _tracks = new(64);
    private readonly Stack<Track> _recycled = new(64);
    private readonly List<TrackEvent> _events = new(8);
    private readonly int _hitsToConfirm;
    private readonly int _reportLostFrames;
    private long _nextId = 1;
    private long _lastFrameNumber = -1;
    private bool _started;

    public TrackBook(int hitsToConfirm, int reportLostFrames)
    {
        _hitsToConfirm = hitsToConfirm;
        _reportLostFrames = reportLostFrames;
    }

    /// <summary>Frames counted since the tracker started, advanced by each source frame-number step.</summary>
    public long Tick { get; private set; }

    /// <summary>True while the tracker is on its first frame (ByteTrack confirms that frame's tracks at once).</summary>
    public bool IsFirstFrame => Tick == 1;

    public List<Track> Tracks => _tracks;

    public long NextId => _nextId;

    public long SkippedDetections { get; private set; }

    /// <summary>
    /// Advances the clock to <paramref name="info"/>'s frame and returns how many frames passed (≥ 1). A jump in
    /// frame numbers (frames dropped upstream) counts fully, so predictions and buffers keep real time; a frame
    /// number that does not increase (the source reopened and counts from 0 again) counts as one frame.
    /// </summary>
    public int Advance(FrameInfo info)
    {
        long step = _started && info.FrameNumber > _lastFrameNumber ? info.FrameNumber - _lastFrameNumber : 1;
        _started = true;
        _lastFrameNumber = info.FrameNumber;
        Tick += step;
        _events.Clear();
        return (int)Math.Min(step, int.MaxValue);
    }

    /// <summary>
    /// Indices of the detections worth tracking: a finite, non-empty box and a score that is a number.
    /// Others are counted as skipped. Returns this frame's skip count.
    /// </summary>
    public int SelectValid(ImmutableArray<Detection> detections, List<int> valid)
    {
        valid.Clear();
        int skipped = 0;
        for (int i = 0; i < detections.Length; i++)
        {
            var d = detections[i];
            if (d is null || d.Box.IsEmpty || float.IsNaN(d.Score)) skipped++;
            else valid.Add(i);
        }
        SkippedDetections += skipped;
        return skipped;
    }

    /// <summary>Starts a track on <paramref name="detection"/>: tentative, or confirmed at once when one hit confirms or on the first frame.</summary>
    public Track Start(Detection detection, long frameNumber)
    {
        var t = _recycled.Count > 0 ? _recycled.Pop() : new Track();
        t.Id = _nextId++;
        t.ClassId = detection.ClassId;
        t.Detection = detection;
        t.Hits = 1;
        t.StartTick = t.LastMatchTick = Tick;
        t.FirstFrame = t.LastFrame = frameNumber;
        t.PredictedBox = detection.Box;
        t.State = TrackState.New;
        t.HasAppearance = false;
        Array.Clear(t.Appearance);
        _tracks.Add(t);
        if (_hitsToConfirm <= 1 || IsFirstFrame) Confirm(t);
        return t;
    }

    /// <summary>Records a match in this frame: a tentative track confirms after enough hits, a lost one is re-found.</summary>
    public void Matched(Track t, Detection detection, long frameNumber)
    {
        t.Detection = detection;
        t.PredictedBox = detection.Box;
        t.LastMatchTick = Tick;
        t.LastFrame = frameNumber;
        if (t.State == TrackState.New)
        {
            if (++t.Hits >= _hitsToConfirm) Confirm(t);
        }
        else
        {
            t.State = TrackState.Tracked;
        }
    }

    public void MarkLost(Track t) => t.State = TrackState.Lost;

    /// <summary>Ends a track; a confirmed one gets an end event (a tentative one was never reported).</summary>
    public void Remove(Track t)
    {
        if (t.IsConfirmed)
            _events.Add(new TrackEvent(TrackEventKind.Ended, t.Id, t.ClassId, t.FirstFrame, t.LastFrame, t.Detection));
        t.State = TrackState.Removed;
    }

    /// <summary>
    /// Drops removed tracks (keeping id order) and builds the frame's output: confirmed tracks matched in it,
    /// and lost ones within the report window at their predicted box.
    /// </summary>
    public TrackingResult Finish(FrameInfo info, int skipped)
    {
        int n = 0, reported = 0;
        for (int i = 0; i < _tracks.Count; i++)
        {
            var t = _tracks[i];
            if (t.State == TrackState.Removed)
            {
                t.Detection = null!;
                if (_recycled.Count < MaxRecycled) _recycled.Push(t);
                continue;
            }
            _tracks[n++] = t;
            if (IsReported(t)) reported++;
        }
        _tracks.RemoveRange(n, _tracks.Count - n);

        var objects = reported == 0 ? [] : new TrackedObject[reported];
        int k = 0;
        foreach (var t in _tracks)
        {
            if (!IsReported(t)) continue;
            int age = (int)Math.Min(Tick - t.StartTick, int.MaxValue);
            objects[k++] = t.State == TrackState.Tracked
                ? new TrackedObject(t.Id, TrackState.Tracked, age, t.Detection)
                : new TrackedObject(t.Id, TrackState.Lost, age,
                    new Detection(t.ClassId, t.Detection.Score, t.PredictedBox, null, ImmutableArray<Keypoint>.Empty));
        }
        var events = _events.Count == 0 ? ImmutableArray<TrackEvent>.Empty : [.. _events];
        return new TrackingResult(
            new TrackedFrame(info, ImmutableCollectionsMarshal.AsImmutableArray(objects)), events, skipped);
    }

    private bool IsReported(Track t) =>
        (t.State == TrackState.Tracked && t.LastMatchTick == Tick)
        || (t.State == TrackState.Lost && Tick - t.LastMatchTick <= _reportLostFrames && !t.PredictedBox.IsEmpty);

    private void Confirm(Track t)
    {
        t.State = TrackState.Tracked;
        _events.Add(new TrackEvent(TrackEventKind.Started, t.Id, t.ClassId, t.FirstFrame, t.LastFrame, t.Detection));
    }
}
