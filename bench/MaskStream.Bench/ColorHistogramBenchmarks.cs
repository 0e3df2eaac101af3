using BenchmarkDotNet.Attributes;
using MaskStream.Core.Appearance;
using MaskStream.Core.Masks;

namespace MaskStream.Bench;

/// <summary>
/// One detection's appearance descriptor (<see cref="ColorHistogram.Compute"/>): a person-shaped 50x150 px mask (an
/// ellipse, about 5,900 pixels) in a 640x480 BGR frame of noise, split at its middle. The detector stage pays this once per
/// detection while tracking's appearance cue is on.
/// </summary>
[MemoryDiagnoser]
public class ColorHistogramBenchmarks
{
    private const int Width = 640, Height = 480;
    private readonly byte[] _frame = new byte[Width * Height * 3];
    private RleMask _mask = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_frame);
        var pixels = new byte[Width * Height];
        for (int y = 100; y < 250; y++)
            for (int x = 300; x < 350; x++)
            {
                double dx = (x - 324.5) / 25, dy = (y - 174.5) / 75;
                if (dx * dx + dy * dy <= 1) pixels[y * Width + x] = 1;
            }
        _mask = RleMask.Encode(pixels, Height, Width);
    }

    [Benchmark(Description = "ColorHistogram of a 50x150 mask")]
    public ColorHistogram? Compute() => ColorHistogram.Compute(_frame, Width, Height, _mask, 175);
}
