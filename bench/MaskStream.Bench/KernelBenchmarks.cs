using BenchmarkDotNet.Attributes;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Kernels.MaskPaste;
using MaskStream.Kernels.Preprocess;
using MaskStream.Kernels.Resize;
using MaskStream.Kernels.RoiAlign;

namespace MaskStream.Bench;

/// <summary>
/// The shapes of the RoIAlign comparison with torchvision. bench/roi_align_torchvision.py builds the same
/// feature sizes and the same boxes (same integer/double formulas) and times torchvision.ops.roi_align and
/// MultiScaleRoIAlign with the same thread count.
/// </summary>
public static class RoiAlignComparisonShapes
{
    /// <summary>1000 RoIs over one 256×200×272 level (P2 of an 800×1088 input), scale 1/4, 7×7, sampling ratio 2.</summary>
    public static RoiBox[] SingleLevelRois()
    {
        var rois = new RoiBox[1000];
        for (int i = 0; i < rois.Length; i++)
        {
            float x = i * 7919 % 1088, y = i * 104729 % 800;
            float w = 4 + i * 31 % 200, h = 4 + i * 17 % 200;
            rois[i] = new RoiBox(0, x, y, x + w, y + h);
        }
        return rois;
    }

    /// <summary>
    /// 1000 proposal-like boxes of a 640×480 frame resized to 800×1066 (padded 800×1088): sides log-uniform in
    /// 16..590 px, aspect 0.5..2, clipped to the image — every FPN level gets some.
    /// </summary>
    public static RoiBox[] BoxHeadProposals()
    {
        var rois = new RoiBox[1000];
        for (int i = 0; i < rois.Length; i++)
        {
            double cx = i * 7919 % 1066, cy = i * 104729 % 800;
            double side = 16 * Math.Pow(2, 5.2 * (i * 0.6180339887 % 1.0));
            double aspect = 0.5 + i * 0.7548776662 % 1.0 * 1.5;
            double w = side * Math.Sqrt(aspect), h = side / Math.Sqrt(aspect);
            rois[i] = new RoiBox(0, (float)Math.Max(cx - w / 2, 0), (float)Math.Max(cy - h / 2, 0),
                (float)Math.Min(cx + w / 2, 1066), (float)Math.Min(cy + h / 2, 800));
        }
        return rois;
    }

    public static float[] RandomFeatures(int length, int seed)
    {
        var rng = new Random(seed);
        var data = new float[length];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return data;
    }
}

/// <summary>
/// CPU RoIAlign against torchvision (bench/roi_align_torchvision.py). One operation = all 1000 RoIs.
/// Threads = the kernel's degree of parallelism; compare with torchvision run at the same thread count.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class RoiAlignBenchmarks
{
    private FeatureLevel _p2;
    private FeatureLevel[] _levels = null!;
    private RoiBox[] _singleRois = null!, _proposals = null!;
    private float[] _output = null!;
    private CpuRoiAlign _kernel = null!;
    private MultiScaleRoIAlign _pooler = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        int[] heights = [200, 100, 50, 25], widths = [272, 136, 68, 34];
        _levels = new FeatureLevel[4];
        for (int l = 0; l < 4; l++)
            _levels[l] = new FeatureLevel(RoiAlignComparisonShapes.RandomFeatures(256 * heights[l] * widths[l], l), 1, 256,
                heights[l], widths[l]);
        _p2 = _levels[0];
        _singleRois = RoiAlignComparisonShapes.SingleLevelRois();
        _proposals = RoiAlignComparisonShapes.BoxHeadProposals();
        _output = new float[1000 * 256 * 49];
        _kernel = new CpuRoiAlign(Threads);
        _pooler = new MultiScaleRoIAlign(_kernel, 7, 7, 2);
    }

    [Benchmark(Description = "roi_align 1000 RoIs, 256x200x272, 7x7 sr2")]
    public void SingleLevel() => _kernel.Run(_p2, _singleRois, new RoiAlignParams(7, 7, 0.25f, 2, false), _output);

    [Benchmark(Description = "MultiScaleRoIAlign box head, 1000 proposals, 640x480 input")]
    public void BoxHead() => _pooler.Run(_levels, _proposals, 800, 1066, _output);
}

/// <summary>Preprocessing a 640×480 frame into the 800×1088 R-CNN input, and pasting 100 masks into it.</summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 3, iterationCount: 10)]
public class PreprocessAndPasteBenchmarks
{
    private byte[] _bgr = null!;
    private float[] _input = null!, _masks = null!;
    private BoxF[] _boxes = null!;
    private RleMask[] _results = null!;
    private CpuPreprocess _preprocess = null!;
    private CpuMaskPaste _paste = null!;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        _bgr = new byte[480 * 640 * 3];
        rng.NextBytes(_bgr);
        _input = new float[3 * 800 * 1088];
        _preprocess = new CpuPreprocess(Normalization.ImageNet, Threads);
        _paste = new CpuMaskPaste(Threads);
        _masks = new float[100 * 28 * 28];
        for (int i = 0; i < _masks.Length; i++) _masks[i] = (float)rng.NextDouble();
        _boxes = new BoxF[100];
        for (int i = 0; i < _boxes.Length; i++)
        {
            float x = rng.Next(0, 600), y = rng.Next(0, 440);
            _boxes[i] = new BoxF(x, y, x + 10 + rng.Next(0, 200), y + 10 + rng.Next(0, 200));
        }
        _results = new RleMask[100];
    }

    [Benchmark(Description = "preprocess 640x480 -> 800x1066 (padded 800x1088)")]
    public void Preprocess()
    {
        var (h, w) = new ResizeRule(800, 1333, 32).ResizedSize(480, 640);
        _preprocess.Run(_bgr, 480, 640, h, w, 800, 1088, _input);
    }

    [Benchmark(Description = "paste 100 masks 28x28 into 640x480 + RLE")]
    public void Paste() => _paste.Paste(_masks, 28, _boxes, 480, 640, _results);
}
