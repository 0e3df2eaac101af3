using System.Threading.Channels;
using MaskStream.Core.Frames;
using MaskStream.Ingest;
using MaskStream.Publish.Payloads;

namespace MaskStream.Service.Pipeline;

/// <summary>An opened camera and the bounded queue between its reader and the detector stage.</summary>
internal sealed class CameraFeed
{
    /// <summary>Why a live camera's frame was dropped: the detector fell behind and the queue was full.</summary>
    public const string QueueFull = "queue_full";

    /// <summary>Why a frame was dropped: it was read as the service stopped, before it reached the queue.</summary>
    public const string Shutdown = "shutdown";

    public CameraFeed(IFrameSource source, CameraCounters counters, int capacity)
    {
        Source = source;
        Counters = counters;
        // A live camera keeps moving while we are behind: keep its newest frames. A file or finite source is read as
        // fast as we go and must lose nothing, so its reader waits.
        var options = new BoundedChannelOptions(capacity)
        {
            FullMode = source.IsLive ? BoundedChannelFullMode.DropOldest : BoundedChannelFullMode.Wait,
            SingleWriter = true,
            SingleReader = true,
        };
        Frames = Channel.CreateBounded<Frame>(options, dropped =>
        {
            dropped.Dispose();
            counters.CountDrop(QueueFull);
        });
        // Opened, but a live camera has yet to connect: online comes with the first frame.
        counters.SetState(StatusStates.Connecting);
    }

    public IFrameSource Source { get; }
    public CameraCounters Counters { get; }
    public Channel<Frame> Frames { get; }
    public string Id => Counters.Id;
}
