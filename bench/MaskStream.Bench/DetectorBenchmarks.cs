using BenchmarkDotNet.Attributes;
using MaskStream.Core.Frames;
using MaskStream.Detector;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Bench;

/// <summary>
/// One <see cref="Detector.Detector.Detect"/> of a 640×480 synthetic frame with the shipped model; one operation = one
/// frame (8 frames of a <c>synthetic://walkers</c> scene in turn). The Allocated column is the steady-state managed
/// allocation per frame, the result records included. Per-stage times: the <c>detector-stages</c> mode (DetectorStages).
/// <code>dotnet run -c Release --project bench/MaskStream.Bench -- --filter '*DetectorBenchmarks*'</code>
/// The model is models/maskstream-tiny above the working directory, or MASKSTREAM_MODEL.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class DetectorBenchmarks
{
    private Detector.Detector _detector = null!;
    private Frame[] _frames = null!;
    private int _next;

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(0f, 0.5f)]
    public float MinScore { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _detector = Detector.Detector.Load(ModelDirectory(), new DetectorOptions { IntraOpThreads = Threads, ScoreThreshold = MinScore });
        using var scene = SyntheticScene.Open("synthetic://walkers?seed=11&size=640x480&people=6");
        _frames = new Frame[8];
        for (int i = 0; i < _frames.Length; i++)
        {
            var pixels = PixelBuffer.Rent(640, 480);
            scene.Render(30L * i, pixels.Pixels);
            _frames[i] = new Frame(new FrameInfo("bench", i, DateTimeOffset.UnixEpoch, null, 640, 480), pixels);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        foreach (var f in _frames) f.Dispose();
        _detector.Dispose();
    }

    [Benchmark(Description = "Detect one 640x480 frame")]
    public DetectResult Detect() => _detector.Detect([_frames[_next++ % _frames.Length]])[0];

    private static string ModelDirectory()
    {
        if (Environment.GetEnvironmentVariable("MASKSTREAM_MODEL") is { Length: > 0 } env) return env;
        for (var dir = new DirectoryInfo(Environment.CurrentDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "models", "maskstream-tiny");
            if (File.Exists(Path.Combine(candidate, "model.json"))) return candidate;
        }
        throw new InvalidOperationException("models/maskstream-tiny not found above the working directory; set MASKSTREAM_MODEL.");
    }
}
