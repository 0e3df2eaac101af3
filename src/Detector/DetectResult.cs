using MaskStream.Core.Frames;
using MaskStream.Core.Objects;

namespace MaskStream.Detector;

/// <summary>
/// The outcome for one input frame: its detections, or why it could not be processed (a zero-size, corrupt or
/// oversized frame, or an inference failure). A bad frame never takes its batch-mates down with it.
/// </summary>
public sealed record DetectResult(FrameInfo Info, DetectedFrame? Detected, string? Error)
{
    public bool IsSuccess => Detected is not null;

    public static DetectResult Success(DetectedFrame detected) => new(detected.Info, detected, null);

    public static DetectResult Failure(FrameInfo info, string error) => new(info, null, error);
}
