using System.Collections.Concurrent;
using System.Diagnostics;
using MaskStream.Core.Frames;
using MaskStream.Detector;

namespace MaskStream.Service.Telemetry;

/// <summary>
/// One trace per sampled frame on the ActivitySource <c>MaskStream</c>: a root span <c>maskstream.frame</c> from
/// capture to publish, with children <c>maskstream.queue</c> (waiting for the detector), <c>maskstream.detect</c>
/// (the batch it was in, split into its stages), <c>maskstream.track</c> and <c>maskstream.publish</c>. Frames cross
/// threads as immutable records with no room for a context, so the open root spans are kept here by (camera, frame);
/// unsampled frames (and every frame when no tracer listens) cost one check. Spans are made after the fact with
/// their measured start and end times.
/// </summary>
internal sealed class FrameTracer
{
    public const string SourceName = "MaskStream";

    // A frame lost between stages (a shutdown that gave up) must not keep its span forever.
    private const int MaxOpen = 256;

    private static readonly ActivitySource Source = new(SourceName, typeof(FrameTracer).Assembly.GetName().Version?.ToString(3));

    private readonly ConcurrentDictionary<(string Camera, long Frame), Activity> _open = new();
    private int _openCount;

    /// <summary>After a detector call: starts the sampled frames' traces and records their queue wait and the batch.</summary>
    /// <param name="started">Stopwatch timestamp when the call began.</param>
    public void Detected(IReadOnlyList<Frame> batch, long started, TimeSpan elapsed, in DetectorStageTimes times)
    {
        if (!Source.HasListeners())
            return;
        var previous = Activity.Current;
        var start = ToUtc(started);
        foreach (var frame in batch)
        {
            var info = frame.Info;
            if (Volatile.Read(ref _openCount) >= MaxOpen)
                break;
            var root = Source.StartActivity("maskstream.frame", ActivityKind.Internal, parentContext: default, startTime: info.CaptureTime);
            if (root is null)
                continue; // not sampled
            root.SetTag("maskstream.camera", info.CameraId);
            root.SetTag("maskstream.frame", info.FrameNumber);
            Span(root, "maskstream.queue", info.CaptureTime, start);
            var detect = Span(root, "maskstream.detect", start, start + elapsed, stop: false);
            if (detect is not null)
            {
                detect.SetTag("maskstream.batch.size", batch.Count);
                var t = start;
                t = Child(detect, "maskstream.detect.preprocess", t, times.Preprocess);
                t = Child(detect, "maskstream.detect.backbone_rpn", t, times.BackboneRpn);
                t = Child(detect, "maskstream.detect.proposals", t, times.Proposals);
                t = Child(detect, "maskstream.detect.heads", t, ServiceMetrics.Heads(times));
                Child(detect, "maskstream.detect.paste", t, times.Paste);
                detect.Stop();
            }
            if (_open.TryAdd((info.CameraId, info.FrameNumber), root))
                Interlocked.Increment(ref _openCount);
            else
                root.Stop();
        }
        Activity.Current = previous;
    }

    /// <summary>A frame the detector could not process: its trace ends with the error.</summary>
    public void Failed(FrameInfo info, string error)
    {
        if (Take(info) is { } root)
        {
            root.SetStatus(ActivityStatusCode.Error, error);
            root.Stop();
        }
    }

    public void Tracked(FrameInfo info, long started)
    {
        if (Volatile.Read(ref _openCount) > 0 && _open.TryGetValue((info.CameraId, info.FrameNumber), out var root))
            Span(root, "maskstream.track", ToUtc(started), DateTimeOffset.UtcNow);
    }

    /// <summary>The frame's message is on the outbox: its trace ends.</summary>
    public void Published(FrameInfo info, long started)
    {
        if (Volatile.Read(ref _openCount) > 0 && Take(info) is { } root)
        {
            Span(root, "maskstream.publish", ToUtc(started), DateTimeOffset.UtcNow);
            root.Stop();
        }
    }

    /// <summary>Ends the traces of frames that will not be published (the service stopped before they were).</summary>
    public void AbandonAll()
    {
        foreach (var key in _open.Keys)
        {
            if (_open.TryRemove(key, out var root))
            {
                Interlocked.Decrement(ref _openCount);
                root.SetStatus(ActivityStatusCode.Error, "not published: the service stopped");
                root.Stop();
            }
        }
    }

    private Activity? Take(FrameInfo info)
    {
        if (Volatile.Read(ref _openCount) == 0 || !_open.TryRemove((info.CameraId, info.FrameNumber), out var root))
            return null;
        Interlocked.Decrement(ref _openCount);
        return root;
    }

    private static DateTimeOffset Child(Activity parent, string name, DateTimeOffset start, TimeSpan duration)
    {
        Span(parent, name, start, start + duration);
        return start + duration;
    }

    private static Activity? Span(Activity parent, string name, DateTimeOffset start, DateTimeOffset end, bool stop = true)
    {
        var previous = Activity.Current;
        var span = Source.StartActivity(name, ActivityKind.Internal, parent.Context, startTime: start);
        if (span is not null)
        {
            span.SetEndTime(end.UtcDateTime);
            if (stop)
                span.Stop();
        }
        // Starting a span makes it the thread's current one; the stage threads carry no ambient trace.
        Activity.Current = previous;
        return span;
    }

    private static DateTimeOffset ToUtc(long stopwatchTimestamp) => DateTimeOffset.UtcNow - Stopwatch.GetElapsedTime(stopwatchTimestamp);
}
