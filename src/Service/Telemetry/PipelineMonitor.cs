using System.Globalization;
using System.Threading.Channels;
using MaskStream.Core.Objects;
using MaskStream.Service.Pipeline;

namespace MaskStream.Service.Telemetry;

/// <summary>
/// What the running pipeline shows to the outside — the metrics' gauges, <c>/healthz</c>, <c>/readyz</c> and the
/// page — read without locks while the stages run. The pipeline attaches its queues once they exist.
/// </summary>
internal sealed class PipelineMonitor(IReadOnlyList<CameraCounters> cameras, TimeProvider clock)
{
    private volatile Queues? _queues;

    public IReadOnlyList<CameraCounters> Cameras { get; } = cameras;

    public StageActivity Detector { get; } = new("detector");
    public StageActivity Tracking { get; } = new("tracking");
    public StageActivity Publish { get; } = new("publish");

    /// <summary>True once the pipeline runs (after the broker is up and Service:StartDelay has passed), false again when it has stopped.</summary>
    public volatile bool Running;

    public void Attach(IReadOnlyList<CameraFeed> feeds, ChannelReader<DetectedFrame> detected, ChannelReader<TrackedFrame> tracked) =>
        _queues = new Queues(feeds, detected, tracked);

    /// <summary>Frames waiting in each opened camera's queue for the detector.</summary>
    public IEnumerable<(string Camera, int Depth)> CameraQueueDepths()
    {
        if (_queues is not { } q) yield break;
        foreach (var feed in q.Feeds)
            yield return (feed.Id, feed.Frames.Reader.Count);
    }

    /// <summary>Frames between detector and tracker, and between tracker and publisher; (0, 0) before the pipeline runs.</summary>
    public (int Detected, int Tracked) StageQueueDepths() =>
        _queues is { } q ? (q.Detected.Count, q.Tracked.Count) : (0, 0);

    /// <summary>Why the pipeline looks wedged, or null: a stage stuck in one unit of work, or a camera's oldest queued
    /// frame waiting for the detector, for longer than <paramref name="limit"/>.</summary>
    public string? Wedged(TimeSpan limit)
    {
        foreach (var stage in (ReadOnlySpan<StageActivity>)[Detector, Tracking, Publish])
        {
            var busy = stage.BusyFor;
            if (busy > limit)
                return string.Create(CultureInfo.InvariantCulture, $"{stage.Name} stage has been busy with one unit of work for {busy.TotalSeconds:0.#} s (Http:WedgedAfter {limit.TotalSeconds:0.#} s)");
        }
        if (_queues is { } q)
        {
            var now = clock.GetUtcNow();
            foreach (var feed in q.Feeds)
            {
                if (feed.Frames.Reader.TryPeek(out var oldest))
                {
                    var waited = now - oldest.Info.CaptureTime;
                    if (waited > limit)
                        return string.Create(CultureInfo.InvariantCulture,
                            $"camera '{feed.Id}': its oldest queued frame has waited {waited.TotalSeconds:0.#} s for the detector (Http:WedgedAfter {limit.TotalSeconds:0.#} s)");
                }
            }
        }
        return null;
    }

    private sealed record Queues(IReadOnlyList<CameraFeed> Feeds, ChannelReader<DetectedFrame> Detected, ChannelReader<TrackedFrame> Tracked);
}
