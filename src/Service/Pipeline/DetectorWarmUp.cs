using System.Diagnostics;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Service.Pipeline;

/// <summary>
/// Runs the detector on a few rendered scenes (people, cars and dogs, so every head runs) at each camera's frame size
/// before the cameras start. The first calls of a fresh process are many times slower than the steady state (the JIT,
/// ONNX Runtime's first run of each graph and shape, pools filling); made on a live camera's frames, they let its queue
/// overflow and its first frames were dropped (2–11 at the synthetic camera's start, counted as <c>queue_full</c>).
/// </summary>
internal static class DetectorWarmUp
{
    /// <summary>Detector calls per distinct frame size. The first is the slow one, but two were not enough: .NET's tiered JIT
    /// recompiles a method optimised only after 30 calls, and until then the stages run slower code. Measured with the
    /// synthetic camera (30 fps, <c>Service:FrameQueue</c> 2) on a 2-core Zen 5 host, 25 s runs: 2 calls (0.4 s) dropped
    /// 2–11 frames at start; 40 calls (1.5–2.2 s) none in 7 of 9 runs and 1–2 in the other two (the first seconds' p99
    /// latency is still about 100 ms against 30 after: some start-up cost outside the detector is left).</summary>
    private const int CallsPerSize = 40;

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
            WarmUpAt(detector, width, height, batch, appearance, started);
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>However many cameras of different sizes there are, the start waits at most this long (past each size's first call).</summary>
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    private static void WarmUpAt(Detector.Detector detector, int width, int height, int batch, bool appearance, long started)
    {
        var frames = new List<Frame>(batch);
        try
        {
            using (var scene = new SyntheticScene(new SyntheticSceneOptions { Width = width, Height = height, People = 6, Cars = 1, Dogs = 1 }))
            {
                for (int i = 0; i < batch; i++)
                {
                    var pixels = PixelBuffer.Rent(width, height);
                    // Some way into the scene, where its actors have walked in.
                    scene.Render(150 + 30 * i, pixels.Pixels);
                    frames.Add(new Frame(new FrameInfo("warm-up", i, DateTimeOffset.UtcNow, null, width, height), pixels));
                }
            }
            var single = frames.GetRange(0, 1);
            for (int call = 0; call < CallsPerSize && (call == 0 || Stopwatch.GetElapsedTime(started) < Budget); call++)
            {
                // One frame first (the common case), then the largest batch the stage makes alternately with it.
                var input = call % 2 == 0 ? single : frames;
                var results = detector.Detect(input);
                for (int i = 0; i < results.Length && appearance; i++)
                {
                    if (results[i].Detected is { } detected)
                        DetectionAppearance.Add(detected, input[i].Pixels);
                }
            }
        }
        finally
        {
            foreach (var frame in frames)
                frame.Dispose();
        }
    }
}
