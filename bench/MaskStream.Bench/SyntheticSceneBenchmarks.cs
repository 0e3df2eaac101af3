using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Bench;

/// <summary>
/// Rendering the synthetic camera: one operation = one frame. The live camera needs 30 frames/s
/// at 640x480, and dataset writing and training render many more, so the target is ≥ 100 on one core.
/// Frames advance each call so that objects move, enter and leave as in a live stream.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class SyntheticSceneBenchmarks
{
    private sealed class Config : ManualConfig
    {
        public Config() => AddColumn(new FramesPerSecondColumn());
    }

    private SyntheticScene _scene = null!;
    private byte[] _bgr = null!;
    private long _frame;

    [Params("640x480", "1280x720")]
    public string Size { get; set; } = "640x480";

    [GlobalSetup]
    public void Setup()
    {
        _scene = SyntheticScene.Open($"synthetic://walkers?seed=7&size={Size}&people=6");
        _bgr = new byte[_scene.FrameBytes];
    }

    [GlobalCleanup]
    public void Cleanup() => _scene.Dispose();

    [Benchmark(Description = "image")]
    public void Render() => _scene.Render(_frame++ % 100_000, _bgr);

    [Benchmark(Description = "image + ground truth")]
    public FrameGroundTruth RenderWithGroundTruth() => _scene.RenderWithGroundTruth(_frame++ % 100_000, _bgr);

    [Benchmark(Description = "ground truth only")]
    public FrameGroundTruth GroundTruth() => _scene.GroundTruth(_frame++ % 100_000);
}
