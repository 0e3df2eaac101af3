using System.Diagnostics;
using System.Threading.Channels;
using MaskStream.Core.Objects;
using MaskStream.Publish;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;
using MaskStream.Service.Telemetry;
using MaskStream.Tracking;

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
    private readonly PipelineObservers? _observers;
    private readonly JsonlSink? _jsonl;

    /// <param name="jsonl"><c>Service:Jsonl</c>: every objects message is written there as well.</param>
    public PublishStage(MqttPublisher publisher, TrackerOptions tracking, IReadOnlyList<CameraFeed> feeds, ChannelReader<TrackedFrame> input,
        LatencyWindow latency, PipelineObservers? observers = null, JsonlSink? jsonl = null)
    {
        _jsonl = jsonl;
        _observers = observers;
        _publisher = publisher;
        _input = input;
        _latency = latency;
        _counters = feeds.ToDictionary(f => f.Id, f => f.Counters, StringComparer.Ordinal);
        // The tracker need not report removals, so a track unseen for as long as the tracker keeps lost tracks has ended.
        _events = feeds.ToDictionary(f => f.Id,
            f => new TrackEventDetector(f.Id, publisher.ClassNameOf, publisher.BootId,
                maxMissingFrames: Math.Max(1, tracking.LostTrackBuffer.ToFrames(TrackingStage.FrameRate(f.Source.FramesPerSecond)))),
            StringComparer.Ordinal);
    }

    public async Task RunAsync(CancellationToken abort)
    {
        await foreach (var frame in _input.ReadAllAsync(abort).ConfigureAwait(false))
        {
            Publish(frame);
            if (_jsonl is not null)
                await _jsonl.WriteAsync(frame, abort).ConfigureAwait(false);
        }
    }

    private void Publish(TrackedFrame frame)
    {
        var camera = frame.Info.CameraId;
        _observers?.Monitor.Publish.Begin();
        long started = Stopwatch.GetTimestamp();
        _publisher.PublishObjects(frame);
        var latency = DateTimeOffset.UtcNow - frame.Info.CaptureTime;
        _latency.Add(latency.TotalMilliseconds);

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

        if (_observers is not null)
        {
            _observers.Monitor.Publish.End();
            var tags = ServiceMetrics.Camera(camera);
            _observers.Metrics?.PublishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
            _observers.Metrics?.FrameLatency.Record(latency.TotalSeconds, tags);
            _observers.Tracer?.Published(frame.Info, started);
        }
    }
}
