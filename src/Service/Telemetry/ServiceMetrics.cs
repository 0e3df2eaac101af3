using System.Diagnostics;
using System.Diagnostics.Metrics;
using MaskStream.Detector;

namespace MaskStream.Service.Telemetry;

/// <summary>
/// The service's instruments on the Meter <c>MaskStream</c> (the MQTT ones are on <c>MaskStream.Publish</c>). Names
/// and units are a public contract listed in docs/METRICS.md: add, never rename. Frame counts are observed from the
/// cameras' counters at collection time, so the readers and queues pay nothing per frame for them; the histograms are
/// recorded by the stages with a <see cref="TagList"/> (no allocation).
/// </summary>
internal sealed class ServiceMetrics
{
    public const string MeterName = "MaskStream";

    public const string CameraTag = "camera";

    // OpenTelemetry's default buckets (0..10000) are for milliseconds; these are seconds, from 1 ms to 10 s.
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 10],
    };

    private static readonly InstrumentAdvice<long> BatchAdvice = new() { HistogramBucketBoundaries = [1, 2, 3, 4, 6, 8, 12, 16, 32, 64] };

    public ServiceMetrics(IMeterFactory factory, PipelineMonitor monitor)
    {
        var meter = factory.Create(new MeterOptions(MeterName) { Version = typeof(ServiceMetrics).Assembly.GetName().Version?.ToString(3) });
        var cameras = monitor.Cameras;

        meter.CreateObservableCounter("maskstream.frames.decoded", () => PerCamera(cameras, c => c.Read), "{frame}",
            "Frames read from each camera.");
        meter.CreateObservableCounter("maskstream.frames.processed", () => PerCamera(cameras, c => c.Processed), "{frame}",
            "Frames the detector processed.");
        meter.CreateObservableCounter("maskstream.frames.published", () => PerCamera(cameras, c => c.Published), "{frame}",
            "Frames whose objects message was queued for MQTT.");
        meter.CreateObservableCounter("maskstream.frames.failed", () => PerCamera(cameras, c => c.Failed), "{frame}",
            "Frames the detector could not process (corrupt, wrong size, inference error).");
        meter.CreateObservableCounter("maskstream.frames.dropped", () => Drops(cameras), "{frame}",
            "Frames given up before the detector, by reason (queue_full: a live camera's queue overflowed; shutdown).");
        meter.CreateObservableCounter("maskstream.objects.published", () => PerCamera(cameras, c => c.Objects), "{object}",
            "Objects in published frames.");
        meter.CreateObservableGauge("maskstream.tracks.active", () => PerCamera(cameras, c => c.Tracks), "{track}",
            "Tracks in the Tracked state in the camera's latest published frame.");
        meter.CreateObservableGauge("maskstream.camera.online", () => PerCamera(cameras, c => c.Online ? 1 : 0), "{camera}",
            "1 while the camera delivers frames, 0 before it opens, after it ends or while it is down.");
        meter.CreateObservableGauge("maskstream.queue.depth", () => QueueDepths(monitor), "{frame}",
            "Frames waiting in a queue: queue=camera (per camera, before the detector), detected (before the tracker), tracked (before the publisher).");

        FrameAge = meter.CreateHistogram("maskstream.frame.age", "s",
            "Time from capture until the detector took the frame from its camera's queue.", advice: SecondsAdvice);
        FrameLatency = meter.CreateHistogram("maskstream.frame.latency", "s",
            "End to end: capture until the frame's objects message was queued for MQTT.", advice: SecondsAdvice);
        DetectorDuration = meter.CreateHistogram("maskstream.detector.duration", "s",
            "One detector call (a batch of frames across cameras).", advice: SecondsAdvice);
        DetectorStageDuration = meter.CreateHistogram("maskstream.detector.stage.duration", "s",
            "One detector call split by stage: preprocess, backbone_rpn, proposals, heads (RoIAlign, box/mask/keypoint heads and their post-processing), paste.",
            advice: SecondsAdvice);
        DetectorBatchSize = meter.CreateHistogram("maskstream.detector.batch.size", "{frame}", "Frames in one detector call.", advice: BatchAdvice);
        TrackingDuration = meter.CreateHistogram("maskstream.tracking.duration", "s", "One tracker update (one frame).", advice: SecondsAdvice);
        PublishDuration = meter.CreateHistogram("maskstream.publish.duration", "s",
            "Encoding one frame's objects message and its track events and queueing them on the MQTT outbox.", advice: SecondsAdvice);
    }

    public Histogram<double> FrameAge { get; }
    public Histogram<double> FrameLatency { get; }
    public Histogram<double> DetectorDuration { get; }
    public Histogram<double> DetectorStageDuration { get; }
    public Histogram<long> DetectorBatchSize { get; }
    public Histogram<double> TrackingDuration { get; }
    public Histogram<double> PublishDuration { get; }

    public static TagList Camera(string camera) => new() { { CameraTag, camera } };

    /// <summary>Records one detector call: its duration, size and the split of its wall time over the stages.</summary>
    public void RecordDetectorCall(TimeSpan elapsed, int frames, in DetectorStageTimes t)
    {
        DetectorDuration.Record(elapsed.TotalSeconds);
        DetectorBatchSize.Record(frames);
        Stage("preprocess", t.Preprocess);
        Stage("backbone_rpn", t.BackboneRpn);
        Stage("proposals", t.Proposals);
        Stage("heads", Heads(t));
        Stage("paste", t.Paste);
    }

    /// <summary>Everything between proposals and paste: RoIAlign, the box, mask and keypoint heads and their decoding.</summary>
    internal static TimeSpan Heads(in DetectorStageTimes t) =>
        t.BoxRoiAlign + t.BoxHead + t.BoxPostprocess + t.MaskRoiAlign + t.MaskHead + t.KeypointRoiAlign + t.KeypointHead + t.KeypointDecode;

    private void Stage(string stage, TimeSpan elapsed) => DetectorStageDuration.Record(elapsed.TotalSeconds, new TagList { { "stage", stage } });

    private static List<Measurement<long>> PerCamera(IReadOnlyList<Pipeline.CameraCounters> cameras, Func<Pipeline.CameraCounters, long> value)
    {
        var list = new List<Measurement<long>>(cameras.Count);
        foreach (var c in cameras)
            list.Add(new Measurement<long>(value(c), new KeyValuePair<string, object?>(CameraTag, c.Id)));
        return list;
    }

    private static List<Measurement<long>> Drops(IReadOnlyList<Pipeline.CameraCounters> cameras)
    {
        var list = new List<Measurement<long>>();
        foreach (var c in cameras)
        {
            // The known reasons are reported from 0, so a dashboard sees the series before the first drop.
            foreach (var reason in KnownDropReasons)
            {
                if (!c.DropsByReason.ContainsKey(reason))
                    list.Add(Drop(c.Id, reason, 0));
            }
            foreach (var (reason, count) in c.DropsByReason)
                list.Add(Drop(c.Id, reason, count));
        }
        return list;
    }

    private static readonly string[] KnownDropReasons = [Pipeline.CameraFeed.QueueFull, Pipeline.CameraFeed.Shutdown];

    private static Measurement<long> Drop(string camera, string reason, long count) =>
        new(count, new KeyValuePair<string, object?>(CameraTag, camera), new KeyValuePair<string, object?>("reason", reason));

    private static List<Measurement<int>> QueueDepths(PipelineMonitor monitor)
    {
        var list = new List<Measurement<int>>();
        foreach (var (camera, depth) in monitor.CameraQueueDepths())
            list.Add(new Measurement<int>(depth, new KeyValuePair<string, object?>("queue", "camera"), new KeyValuePair<string, object?>(CameraTag, camera)));
        var (detected, tracked) = monitor.StageQueueDepths();
        list.Add(new Measurement<int>(detected, new KeyValuePair<string, object?>("queue", "detected")));
        list.Add(new Measurement<int>(tracked, new KeyValuePair<string, object?>("queue", "tracked")));
        return list;
    }
}
