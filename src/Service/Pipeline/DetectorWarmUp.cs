using System.Diagnostics;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Service.Pipeline;

/// <summary>
/// Runs the detector on a few rendered scenes (people, cars and dogs, so every head runs) at each camera's frame size
/// before the cameras start. The first calls of a fresh process are many times slower than the steady state (the JIT,
/// ONNX Runtime's first run of each graph and shape, pools filling); made on a live camera's frames, they let its queue
/// overflow and its first frames were dropped (3 at the synthetic camera's start, counted as <c>queue_full</c>).
/// </summary>
internal static class DetectorWarmUp
{
    /// <summary>Detector calls per distinct frame size: the first is the slow one, the second still pays for some.</summary>
    private const int CallsPerSize = 2;

    /// <returns>How long it took.</returns>
    public static TimeSpan Run(Detector.Detector detector, IReadOnlyList<CameraFeed> feeds, int maxBatch, bool appearance)
    {
        long started = Stopwatch.GetTimestamp();
        var sizes = new List<(int Width, int Height)>();
        foreach (var feed in feeds)
        {
            var size = (feed.Source.Width, feed.Source.Height);
            if (size.Width is >= SyntheticSceneOptions.MinSize and <= SyntheticSceneOptions.MaxSize &&
                size.Height is >= SyntheticSceneOptions.MinSize and <= SyntheticSceneOptions.MaxSize && !sizes.Contains(size))
                sizes.Add(size);
        }
        // A batch of several cameras is another input shape for the graphs: warm it too (the largest the stage makes).
        int batch = Math.Max(1, Math.Min(maxBatch, feeds.Count));
        foreach (var (width, height) in sizes)
        {
            for (int call = 0; call < CallsPerSize; call++)
                Detect(detector, width, height, call == 0 ? 1 : batch, appearance);
        }
        return Stopwatch.GetElapsedTime(started);
    }

    private static void Detect(Detector.Detector detector, int width, int height, int count, bool appearance)
    {
        using var scene = new SyntheticScene(new SyntheticSceneOptions { Width = width, Height = height, People = 6, Cars = 1, Dogs = 1 });
        var frames = new List<Frame>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var pixels = PixelBuffer.Rent(width, height);
                // Some way into the scene, where its actors have walked in.
                scene.Render(150 + 30 * i, pixels.Pixels);
                frames.Add(new Frame(new FrameInfo("warm-up", i, DateTimeOffset.UtcNow, null, width, height), pixels));
            }
            var results = detector.Detect(frames);
            for (int i = 0; i < results.Length && appearance; i++)
            {
                if (results[i].Detected is { } detected)
                    DetectionAppearance.Add(detected, frames[i].Pixels);
            }
        }
        finally
        {
            foreach (var frame in frames)
                frame.Dispose();
        }
    }
}
