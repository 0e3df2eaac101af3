using OpenCvSharp;

namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// The light of the scene over time, applied as the last step of every frame: a slow global
/// brightness drift with a faster flicker, a warm/cool colour drift, a cloud shadow sweeping
/// across the ground, and camera noise. All of it is a function of (seed, frame), and it costs one
/// table lookup per byte: brightness and colour become per-channel tables, the cloud shadow picks
/// one of <see cref="Levels"/> table sets per column, and noise comes from a fixed table read at a
/// per-row offset.
/// </summary>
internal sealed class Lighting
{
    private const int Levels = 16;
    private const int NoiseTableBits = 16;
    private const int NoiseMask = (1 << NoiseTableBits) - 1;
    private const int ClampOffset = 128;

    private readonly SyntheticSceneOptions _options;
    private readonly int _horizon;
    private readonly ulong _noiseSeed;
    private readonly double _phase1, _phase2, _phase3, _cloudPhase, _cloudSpeed, _cloudDepth;
    private readonly byte[] _luts = new byte[Levels * 3 * 256];
    private readonly byte[] _columnLevel;
    private readonly sbyte[] _noise = new sbyte[1 << NoiseTableBits];
    private readonly byte[] _clamp = new byte[256 + 2 * ClampOffset];

    public Lighting(SyntheticSceneOptions options, GroundCamera camera)
    {
        _options = options;
        _horizon = (int)Math.Ceiling(camera.HorizonY);
        _columnLevel = new byte[options.Width];
        var rng = new SplitMix64(SplitMix64.Mix(options.Seed, 0x4C494748L));
        _phase1 = rng.Range(0, 2 * Math.PI);
        _phase2 = rng.Range(0, 2 * Math.PI);
        _phase3 = rng.Range(0, 2 * Math.PI);
        _cloudPhase = rng.NextDouble();
        _cloudSpeed = rng.Range(0.01, 0.03) * (rng.Chance(0.5) ? 1 : -1); // frame widths per second
        _cloudDepth = rng.Range(0.15, 0.35);
        _noiseSeed = rng.NextUInt64();
        // Roughly Gaussian noise (sum of four uniforms) with standard deviation = options.Noise.
        for (int i = 0; i < _noise.Length; i++)
        {
            double u = rng.NextDouble() + rng.NextDouble() + rng.NextDouble() + rng.NextDouble() - 2;
            _noise[i] = (sbyte)Math.Clamp(Math.Round(u * options.Noise * Math.Sqrt(3)), -ClampOffset + 1, ClampOffset - 1);
        }
        for (int i = 0; i < _clamp.Length; i++) _clamp[i] = (byte)Math.Clamp(i - ClampOffset, 0, 255);
    }

    /// <summary>Writes the lit, noisy frame: <paramref name="canvas"/> (BGR, as drawn) → <paramref name="output"/> (packed BGR).</summary>
    public unsafe void Apply(Mat canvas, Span<byte> output, long frame)
    {
        int w = _options.Width, h = _options.Height;
        double t = frame / _options.Fps, strength = _options.Lighting;
        double gain = 1 + strength * (0.16 * Math.Sin(2 * Math.PI * t / 47 + _phase1) + 0.05 * Math.Sin(2 * Math.PI * t / 9 + _phase2));
        double warm = strength * 0.07 * Math.Sin(2 * Math.PI * t / 71 + _phase3);
        Span<double> channelGain = [gain * (1 - warm), gain, gain * (1 + warm)];
        for (int level = 0; level < Levels; level++)
        {
            double shade = 1 - strength * _cloudDepth * level / (Levels - 1);
            for (int c = 0; c < 3; c++)
            {
                double k = channelGain[c] * shade;
                int offset = (level * 3 + c) * 256;
                for (int v = 0; v < 256; v++) _luts[offset + v] = (byte)Math.Min(255, (int)(v * k + 0.5));
            }
        }
        // The cloud shadow: a soft band 70% of the frame wide, crossing the ground every 1/speed seconds.
        double center = ((_cloudPhase + t * _cloudSpeed) % 3 + 3) % 3 * w - w;
        double halfBand = 0.35 * w;
        for (int x = 0; x < w; x++)
        {
            double d = 1 - Math.Abs(x - center) / halfBand;
            double s = d <= 0 ? 0 : d * d * (3 - 2 * d);
            _columnLevel[x] = (byte)Math.Round(s * (Levels - 1));
        }

        byte* src = (byte*)canvas.DataPointer;
        long step = canvas.Step();
        bool noisy = _options.Noise > 0;
        fixed (byte* dst0 = output)
        fixed (byte* luts = _luts)
        fixed (byte* columnLevel = _columnLevel)
        fixed (sbyte* noise = _noise)
        fixed (byte* clamp = _clamp)
        {
            for (int y = 0; y < h; y++)
            {
                byte* s = src + y * step, d = dst0 + (long)y * w * 3;
                bool sky = y < _horizon;
                int n = (int)(SplitMix64.Mix(_noiseSeed, frame, y) & NoiseMask);
                for (int x = 0; x < w; x++, s += 3, d += 3)
                {
                    byte* lut = luts + (sky ? 0 : columnLevel[x] * 768);
                    if (noisy)
                    {
                        d[0] = clamp[lut[s[0]] + noise[n & NoiseMask] + ClampOffset];
                        d[1] = clamp[lut[256 + s[1]] + noise[(n + 1) & NoiseMask] + ClampOffset];
                        d[2] = clamp[lut[512 + s[2]] + noise[(n + 2) & NoiseMask] + ClampOffset];
                        n += 3;
                    }
                    else
                    {
                        d[0] = lut[s[0]];
                        d[1] = lut[256 + s[1]];
                        d[2] = lut[512 + s[2]];
                    }
                }
            }
        }
    }
}
