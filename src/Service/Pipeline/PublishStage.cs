using System.Threading.Channels;
using MaskStream.Core.Objects;
using MaskStream.Publish;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;

namespace MaskStream.Service.Pipeline;

/// <summary>Queues each tracked frame's objects message and its cameras' track start/end events on the publisher's
/// outbox (which never blocks), and records capture → publish latency.</summary>
internal sealed class PublishStage
{
    private readonly MqttPublisher _publisher;
    private readonly ChannelReader<TrackedFrame> _input;
    private readonly LatencyWindow _latency;
    private readonly Dictionary<string, CameraCounters> _counters;
    private readonly Dictionary<string, TrackEventDetector> _events;
    private readonly List<TrackEventMessage> _pending = [];

    public PublishStage(MqttPublisher publisher, IEnumerable<CameraFeed> feeds, ChannelReader<TrackedFrame> input, LatencyWindow latency)
    {
        _publisher = publisher;
        _input = input;
        _latency = latency;
        _counters = feeds.ToDictionary(f => f.Id, f => f.Counters, StringComparer.Ordinal);
        // A track not reported for this many frames has ended (the tracker need not report removals); matches the
        // tracker's default lost-track buffer of 2 s at 30 fps.
        _events = _counters.Keys.ToDictionary(id => id, id => new TrackEventDetector(id, publisher.ClassNameOf, publisher.BootId, maxMissingFrames: 60),
            StringComparer.Ordinal);
    }

    public async Task RunAsync(CancellationToken abort)
    {
        await foreach (var frame in _input.ReadAllAsync(abort).ConfigureAwait(false))
            Publish(frame);
    }

    private void Publish(TrackedFrame frame)
    {
        var camera = frame.Info.CameraId;
        _publisher.PublishObjects(frame);
        _latency.Add((DateTimeOffset.UtcNow - frame.Info.CaptureTime).TotalMilliseconds);

        int tracks = 0;
        foreach (var obj in frame.Objects)
        {
            if (obj.State == TrackState.Tracked)
                tracks++;
        }
        var counters = _counters[camera];
        counters.Tracks = tracks;
        counters.CountPublished(frame.Objects.Length);

        _pending.Clear();
        _events[camera].Observe(frame, _pending);
        foreach (var e in _pending)
            _publisher.PublishTrackEvent(e);
    }
}
