namespace MaskStream.Core.Frames;

/// <summary>What is known about a frame apart from its pixels.</summary>
/// <param name="CameraId">The configured camera id (MQTT topic segment).</param>
/// <param name="FrameNumber">0-based index of the frame within its source since the source opened.</param>
/// <param name="CaptureTime">When the frame was captured (wall clock, UTC).</param>
/// <param name="Pts">Presentation timestamp within the stream, when the source has one.</param>
/// <param name="Width">Frame width in pixels.</param>
/// <param name="Height">Frame height in pixels.</param>
public sealed record FrameInfo(
    string CameraId,
    long FrameNumber,
    DateTimeOffset CaptureTime,
    TimeSpan? Pts,
    int Width,
    int Height);

/// <summary>A decoded frame: metadata plus pixels it owns. Dispose returns the pixels to their pool exactly once.</summary>
public sealed class Frame(FrameInfo info, PixelBuffer pixels) : IDisposable
{
    public FrameInfo Info { get; } = info;
    public PixelBuffer Pixels { get; } = pixels;

    public void Dispose() => Pixels.Dispose();
}
