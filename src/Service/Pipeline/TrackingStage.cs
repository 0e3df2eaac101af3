using System.Threading.Channels;
using MaskStream.Core.Objects;
using MaskStream.Tracking;

namespace MaskStream.Service.Pipeline;

/// <summary>One <see cref="ByteTracker"/> per camera, built with that camera's frame rate (its buffers are in seconds).</summary>
internal sealed class TrackingStage(
    IReadOnlyDictionary<string, ByteTracker> trackers,
    ChannelReader<DetectedFrame> input,
    ChannelWriter<TrackedFrame> output)
{
    public static TrackingStage Create(TrackerOptions options, IEnumerable<CameraFeed> feeds,
        ChannelReader<DetectedFrame> input, ChannelWriter<TrackedFrame> output)
    {
        var trackers = feeds.ToDictionary(f => f.Id, f => new ByteTracker(options, FrameRate(f.Source.FramesPerSecond)), StringComparer.Ordinal);
        return new TrackingStage(trackers, input, output);
    }

    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            await foreach (var detected in input.ReadAllAsync(abort).ConfigureAwait(false))
                await output.WriteAsync(trackers[detected.Info.CameraId].Update(detected).Frame, abort).ConfigureAwait(false);
        }
        finally
        {
            output.TryComplete();
        }
    }

    // A source that does not know its rate (0, NaN) still needs one to turn seconds into frames; 30 is the common camera rate.
    internal static double FrameRate(double fps) => fps > 0 && double.IsFinite(fps) ? fps : 30;
}
