using System.Diagnostics;
using System.Threading.Channels;
using MaskStream.Core.Objects;
using MaskStream.Service.Telemetry;
using MaskStream.Tracking;

namespace MaskStream.Service.Pipeline;

/// <summary>One <see cref="ByteTracker"/> per camera, built with that camera's frame rate (its buffers are in seconds).</summary>
internal sealed class TrackingStage(
    IReadOnlyDictionary<string, ByteTracker> trackers,
    ChannelReader<DetectedFrame> input,
    ChannelWriter<TrackedFrame> output,
    PipelineObservers? observers = null)
{
    public static TrackingStage Create(TrackerOptions options, IEnumerable<CameraFeed> feeds,
        ChannelReader<DetectedFrame> input, ChannelWriter<TrackedFrame> output, PipelineObservers? observers = null)
    {
        var trackers = feeds.ToDictionary(f => f.Id, f => new ByteTracker(options, FrameRate(f.Source.FramesPerSecond)), StringComparer.Ordinal);
        return new TrackingStage(trackers, input, output, observers);
    }

    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            await foreach (var detected in input.ReadAllAsync(abort).ConfigureAwait(false))
                await output.WriteAsync(Track(detected), abort).ConfigureAwait(false);
        }
        finally
        {
            output.TryComplete();
        }
    }

    private TrackedFrame Track(DetectedFrame detected)
    {
        if (observers is null)
            return trackers[detected.Info.CameraId].Update(detected).Frame;
        observers.Monitor.Tracking.Begin();
        long started = Stopwatch.GetTimestamp();
        var tracked = trackers[detected.Info.CameraId].Update(detected).Frame;
        observers.Monitor.Tracking.End();
        observers.Metrics?.TrackingDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, ServiceMetrics.Camera(detected.Info.CameraId));
        observers.Tracer?.Tracked(detected.Info, started);
        observers.View?.Offer(tracked);
        return tracked;
    }

    // A source that does not know its rate (0, NaN) still needs one to turn seconds into frames; 30 is the common camera rate.
    internal static double FrameRate(double fps) => fps > 0 && double.IsFinite(fps) ? fps : 30;
}
