using MaskStream.Core.Objects;
using MaskStream.Publish.Payloads;

namespace MaskStream.Publish;

/// <summary>Turns one camera's <see cref="TrackedFrame"/>s into track start/end events. A track starts when it is first
/// reported confirmed (<see cref="TrackState.Tracked"/>), so tentative tracks that die young make no noise, and ends when
/// the tracker reports it <see cref="TrackState.Removed"/> or it has been absent for <c>maxMissingFrames</c> frames
/// (trackers need not report lost tracks).</summary>
public sealed class TrackEventDetector(string camera, Func<int, string> className, Guid bootId, int maxMissingFrames = 30)
{
    private readonly Dictionary<long, Seen> _live = [];
    private readonly List<long> _ended = [];

    private sealed class Seen(int classId, long frame, int age)
    {
        public int ClassId = classId;
        public long LastFrame = frame;
        public int Age = age;
    }

    /// <summary>Appends the events <paramref name="frame"/> causes to <paramref name="events"/>: ends before starts.</summary>
    public void Observe(TrackedFrame frame, List<TrackEventMessage> events)
    {
        var time = frame.Info.CaptureTime.UtcDateTime;
        var number = frame.Info.FrameNumber;
        foreach (var obj in frame.Objects)
        {
            if (obj.State == TrackState.Removed)
            {
                if (_live.Remove(obj.TrackId, out var gone))
                    events.Add(Event(TrackEvents.End, obj.TrackId, gone.ClassId, number, time, obj.Age));
                continue;
            }
            if (_live.TryGetValue(obj.TrackId, out var seen))
            {
                seen.LastFrame = number;
                seen.Age = obj.Age;
                seen.ClassId = obj.Detection.ClassId;
            }
            else if (obj.State == TrackState.Tracked)
            {
                _live.Add(obj.TrackId, new Seen(obj.Detection.ClassId, number, obj.Age));
                events.Add(Event(TrackEvents.Start, obj.TrackId, obj.Detection.ClassId, number, time, obj.Age));
            }
        }

        _ended.Clear();
        foreach (var (id, seen) in _live)
        {
            if (number - seen.LastFrame >= maxMissingFrames)
                _ended.Add(id);
        }
        foreach (var id in _ended)
        {
            _live.Remove(id, out var seen);
            events.Add(Event(TrackEvents.End, id, seen!.ClassId, seen.LastFrame, time, seen.Age));
        }
    }

    private TrackEventMessage Event(string kind, long trackId, int classId, long frame, DateTime time, int age) =>
        new(camera, kind, trackId, classId, className(classId), frame, time, age, bootId);
}
