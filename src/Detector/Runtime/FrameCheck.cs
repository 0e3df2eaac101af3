using MaskStream.Core.Frames;

namespace MaskStream.Detector.Runtime;

/// <summary>Per-frame input checks: a message for a frame the detector must not touch, or null.</summary>
internal static class FrameCheck
{
    public static string? Problem(Frame? frame, DetectorOptions options)
    {
        if (frame is null) return "frame is null";
        var info = frame.Info;
        if (info.Width < 1 || info.Height < 1) return $"zero-size frame ({info.Width}x{info.Height})";
        var pixels = frame.Pixels;
        if (pixels is null || pixels.IsDisposed) return "frame pixels were already returned to their pool";
        if (pixels.Width != info.Width || pixels.Height != info.Height)
            return $"corrupt frame: its info says {info.Width}x{info.Height} but its pixel buffer is {pixels.Width}x{pixels.Height}";
        if (pixels.Array.Length < pixels.Length)
            return $"corrupt frame: {pixels.Array.Length} bytes for a {info.Width}x{info.Height} BGR24 image ({pixels.Length} needed)";
        if (info.Width > options.MaxFrameWidth || info.Height > options.MaxFrameHeight)
            return $"frame {info.Width}x{info.Height} exceeds the configured maximum {options.MaxFrameWidth}x{options.MaxFrameHeight} (Detector:MaxFrameWidth / Detector:MaxFrameHeight)";
        return null;
    }
}
