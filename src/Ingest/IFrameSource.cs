using MaskStream.Core.Frames;

namespace MaskStream.Ingest;

/// <summary>
/// A camera, file or generated stream that yields decoded BGR frames. Each <see cref="Frame"/> it
/// yields belongs to the consumer, who disposes it exactly once (which returns its pooled pixels).
/// A source is read by one consumer at a time; <see cref="ReadAsync"/> ends when the stream ends
/// (a file or a finite synthetic sequence) and throws <see cref="OperationCanceledException"/> when
/// cancelled.
/// </summary>
public interface IFrameSource : IAsyncDisposable
{
    /// <summary>The URI the source was opened from, for logs and status messages.</summary>
    string Uri { get; }

    /// <summary>Frame width in pixels.</summary>
    int Width { get; }

    /// <summary>Frame height in pixels.</summary>
    int Height { get; }

    /// <summary>Nominal frame rate.</summary>
    double FramesPerSecond { get; }

    /// <summary>True when frames arrive at the source's own pace (a camera) rather than as fast as they are read (a file).</summary>
    bool IsLive { get; }

    IAsyncEnumerable<Frame> ReadAsync(CancellationToken cancellationToken);
}
