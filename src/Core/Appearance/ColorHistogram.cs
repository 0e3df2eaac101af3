using System.Collections.Immutable;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Core.Appearance;

/// <summary>
/// What an object looks like, cheaply: colour histograms of its mask's pixels in the frame, one of the part above a
/// split row (a person's upper body) and one of the part below it (legs). Clothes are what tells people apart in a
/// street scene, and a histogram needs no model and one pass over the mask's runs.
/// <para>
/// Layout: <see cref="Length"/> = 72 floats, the upper part's 36 bins then the lower part's. Each part is L1-normalised
/// on its own (sums to 1), or all zeros when none of the mask lies on that side of the split (a person seen only from
/// the waist up behind a wall). The 36 bins of a part: 8 hue × 4 saturation bins for coloured pixels
/// (<c>hue * 4 + sat</c>), then 4 value bins for near-greys (saturation or value below <see cref="GreyCut"/>, where hue
/// is noise). Always two parts, also without keypoints (split at the box's middle then), so that any two descriptors
/// can be compared.
/// </para>
/// Immutable: the array is never written after construction.
/// </summary>
public sealed class ColorHistogram : IEquatable<ColorHistogram>
{
    public const int HueBins = 8;
    public const int SaturationBins = 4;
    public const int GreyBins = 4;

    /// <summary>Bins of one part: 8 × 4 coloured + 4 grey.</summary>
    public const int PartBins = HueBins * SaturationBins + GreyBins;

    /// <summary>Floats in a descriptor: upper part, then lower part.</summary>
    public const int Length = 2 * PartBins;

    /// <summary>
    /// Pixels with saturation or value (both in [0, 1]) below this are grey: their hue is decided by a few levels of
    /// noise (and is 0 in OpenCV for exact greys), so they are binned by value instead. 0.15 is about 40 of 255 levels.
    /// </summary>
    public const float GreyCut = 0.15f;

    private readonly float[] _values;

    private ColorHistogram(float[] values) => _values = values;

    /// <summary>The 72 bins: upper part [0, 36), lower part [36, 72).</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>Builds a descriptor from 72 bins (copied), e.g. read back from a file.</summary>
    public static ColorHistogram FromValues(ReadOnlySpan<float> values)
    {
        if (values.Length != Length)
            throw new ArgumentException($"A colour histogram has {Length} bins, got {values.Length}.", nameof(values));
        return new ColorHistogram(values.ToArray());
    }

    /// <summary>
    /// The histogram of the pixels of <paramref name="mask"/> in a packed BGR24 frame, split at
    /// <paramref name="splitRow"/>: rows &lt; splitRow count as the upper part, the others as the lower. Walks the
    /// mask's runs (column-major) and reads only the pixels under them; the bin counts live on the stack, so the only
    /// allocation is the result. Null when the mask is empty (nothing was seen).
    /// </summary>
    /// <param name="bgr">Packed BGR24, row-major, stride width·3, at least width·height·3 bytes.</param>
    /// <param name="mask">A full-frame mask of the frame's size (height × width).</param>
    /// <param name="splitRow">In frame pixels (y); see <see cref="SplitRow"/>.</param>
    public static ColorHistogram? Compute(ReadOnlySpan<byte> bgr, int width, int height, RleMask mask, float splitRow)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (mask.Width != width || mask.Height != height)
            throw new ArgumentException($"The mask is {mask.Width}x{mask.Height}, the frame {width}x{height}.", nameof(mask));
        if (bgr.Length < (long)width * height * 3)
            throw new ArgumentException($"A {width}x{height} BGR24 frame needs {(long)width * height * 3} bytes, got {bgr.Length}.", nameof(bgr));

        Span<int> counts = stackalloc int[Length];
        counts.Clear();
        // Rows above the split (y < split) are upper; a split row of 0.5 puts row 0 above it.
        int split = float.IsNaN(splitRow) ? height : (int)Math.Clamp(Math.Ceiling(splitRow), 0, height);
        int stride = width * 3;
        long position = 0;
        var runs = mask.Counts;
        for (int i = 0; i < runs.Length; i++)
        {
            long run = runs[i];
            if ((i & 1) == 1 && run > 0)
            {
                long end = position + run;
                for (long p = position; p < end;)
                {
                    int x = (int)(p / height), y = (int)(p - (long)x * height);
                    int yEnd = (int)Math.Min(height, y + (end - p));
                    for (int row = y, offset = row * stride + x * 3; row < yEnd; row++, offset += stride)
                        counts[(row < split ? 0 : PartBins) + Bin(bgr[offset], bgr[offset + 1], bgr[offset + 2])]++;
                    p += yEnd - y;
                }
            }
            position += run;
        }
        return FromCounts(counts);
    }

    /// <summary>
    /// The histogram of the pixels inside an axis-aligned rectangle (whole pixels, clipped to the frame), for objects
    /// that come without a mask; split as in <see cref="Compute"/>. Null when the rectangle holds no pixel.
    /// </summary>
    public static ColorHistogram? ComputeBox(ReadOnlySpan<byte> bgr, int width, int height, in BoxF box, float splitRow)
    {
        if (bgr.Length < (long)width * height * 3)
            throw new ArgumentException($"A {width}x{height} BGR24 frame needs {(long)width * height * 3} bytes, got {bgr.Length}.", nameof(bgr));
        int x1 = Math.Max(0, (int)Math.Floor(box.X1)), y1 = Math.Max(0, (int)Math.Floor(box.Y1));
        int x2 = Math.Min(width, (int)Math.Ceiling(box.X2)), y2 = Math.Min(height, (int)Math.Ceiling(box.Y2));
        Span<int> counts = stackalloc int[Length];
        counts.Clear();
        int split = float.IsNaN(splitRow) ? height : (int)Math.Clamp(Math.Ceiling(splitRow), 0, height);
        for (int y = y1; y < y2; y++)
        {
            int part = y < split ? 0 : PartBins;
            for (int x = x1, offset = (y * width + x1) * 3; x < x2; x++, offset += 3)
                counts[part + Bin(bgr[offset], bgr[offset + 1], bgr[offset + 2])]++;
        }
        return FromCounts(counts);
    }

    /// <summary>
    /// Where to split a detection into upper and lower body: the mean height of the hips (COCO keypoints 11 and 12) when
    /// the detection has the 17 person keypoints, else the box's middle row. Hips outside the box are kept: a person seen
    /// only from the chest up behind a wall has hips below the box, and then all of what is seen is upper body (and is
    /// compared only with the upper part of another descriptor), not half of it legs.
    /// </summary>
    public static float SplitRow(in BoxF box, ImmutableArray<Keypoint> keypoints)
    {
        if (!keypoints.IsDefaultOrEmpty && keypoints.Length == CocoPersonKeypoints.Count)
        {
            float hips = 0.5f * (keypoints[LeftHip].Y + keypoints[LeftHip + 1].Y);
            if (float.IsFinite(hips)) return hips;
        }
        return 0.5f * (box.Y1 + box.Y2);
    }

    private const int LeftHip = 11;

    /// <summary>
    /// How different two descriptors are, in [0, 1]: the Bhattacharyya distance √(1 − Σ√(p·q)) of each part present in
    /// both (OpenCV's <c>HISTCMP_BHATTACHARYYA</c> for normalised histograms), averaged over those parts; NaN when no
    /// part is present in both (nothing to compare: motion has to decide).
    /// </summary>
    public static double Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != Length || b.Length != Length)
            throw new ArgumentException($"Colour histograms have {Length} bins, got {a.Length} and {b.Length}.");
        double sum = 0;
        int parts = 0;
        for (int part = 0; part < Length; part += PartBins)
        {
            double coefficient = 0, massA = 0, massB = 0;
            for (int i = part; i < part + PartBins; i++)
            {
                massA += a[i];
                massB += b[i];
                coefficient += Math.Sqrt((double)a[i] * b[i]);
            }
            if (!(massA > 0) || !(massB > 0)) continue;
            // Parts are normalised, but an exponential average's rounding can leave them a hair off 1.
            coefficient /= Math.Sqrt(massA * massB);
            sum += Math.Sqrt(Math.Max(0, 1 - coefficient));
            parts++;
        }
        return parts == 0 ? double.NaN : sum / parts;
    }

    /// <inheritdoc cref="Distance(ReadOnlySpan{float}, ReadOnlySpan{float})"/>
    public static double Distance(ColorHistogram a, ColorHistogram b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return Distance(a._values, b._values);
    }

    /// <summary>
    /// HSV of an 8-bit BGR pixel as OpenCV's floating-point <c>cvtColor(COLOR_BGR2HSV)</c> computes it: hue in degrees
    /// [0, 360) (0 for greys), saturation and value in [0, 1].
    /// </summary>
    public static (float H, float S, float V) ToHsv(byte b, byte g, byte r)
    {
        const float Scale = 1f / 255f;
        float bf = b * Scale, gf = g * Scale, rf = r * Scale;
        float v = Math.Max(rf, Math.Max(gf, bf));
        float min = Math.Min(rf, Math.Min(gf, bf));
        float diff = v - min;
        float s = v > 0 ? diff / v : 0;
        if (diff <= 0) return (0, s, v);
        float h;
        float k = 60f / diff;
        if (v == rf) h = (gf - bf) * k;
        else if (v == gf) h = (bf - rf) * k + 120f;
        else h = (rf - gf) * k + 240f;
        if (h < 0) h += 360f;
        return (h, s, v);
    }

    /// <summary>
    /// The bin, within one part, of an 8-bit BGR pixel (see the type's remarks for the layout): the HSV bins of
    /// <see cref="ToHsv"/>'s hue, saturation and value, decided in integers on the 8-bit values (hue sectors by
    /// comparisons, one division for the saturation bin) because this runs for every pixel of every mask. Exact
    /// arithmetic, so a colour lying exactly on a bin edge may fall on the other side than the float conversion puts it.
    /// </summary>
    public static int Bin(byte b, byte g, byte r)
    {
        int max = Math.Max(r, Math.Max(g, b));
        int min = Math.Min(r, Math.Min(g, b));
        int diff = max - min;
        // Grey: saturation diff/max < 0.15 or value max/255 < 0.15 (GreyCut), in hundredths.
        if (100 * diff < 15 * max || 100 * max < 15 * 255)
            return HueBins * SaturationBins + Math.Min(GreyBins - 1, max * GreyBins / 255);
        // Saturation bin: (s − 0.15) / (0.85 / 4), s = diff / max.
        int sat = Math.Min(SaturationBins - 1, 4 * (100 * diff - 15 * max) / (85 * max));
        return HueSector(b, g, r, max, diff) * SaturationBins + sat;
    }

    /// <summary>
    /// floor(hue / 45°) for a coloured pixel, with OpenCV's choice of formula (red, then green, then blue as the maximum):
    /// hue = 60·(g − b)/diff (+360 when negative), 120 + 60·(b − r)/diff or 240 + 60·(r − g)/diff, each sector edge
    /// rewritten as a comparison of integers (e.g. hue &lt; 45 ⇔ 4·(g − b) &lt; 3·diff).
    /// </summary>
    private static int HueSector(int b, int g, int r, int max, int diff)
    {
        if (max == r)
        {
            int t = 4 * (g - b); // hue in [−60, 60]: 45·k ⇔ t = 3·k·diff
            if (t >= 0) return t < 3 * diff ? 0 : 1;
            return t < -3 * diff ? 6 : 7;
        }
        if (max == g)
        {
            int t = 4 * (b - r); // hue − 120 in [−60, 60]: edges at 90 (−30) and 135 (15)
            return t < -2 * diff ? 1 : t < diff ? 2 : 3;
        }
        {
            int t = 4 * (r - g); // hue − 240 in [−60, 60]: edges at 225 (−15) and 270 (30)
            return t < -diff ? 4 : t < 2 * diff ? 5 : 6;
        }
    }

    private static ColorHistogram? FromCounts(ReadOnlySpan<int> counts)
    {
        var values = new float[Length];
        bool any = false;
        for (int part = 0; part < Length; part += PartBins)
        {
            long total = 0;
            for (int i = part; i < part + PartBins; i++) total += counts[i];
            if (total == 0) continue;
            any = true;
            float inverse = 1f / total;
            for (int i = part; i < part + PartBins; i++) values[i] = counts[i] * inverse;
        }
        return any ? new ColorHistogram(values) : null;
    }

    public bool Equals(ColorHistogram? other) => other is not null && _values.AsSpan().SequenceEqual(other._values);

    public override bool Equals(object? obj) => Equals(obj as ColorHistogram);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (float v in _values) hash.Add(v);
        return hash.ToHashCode();
    }

    public override string ToString() => $"ColorHistogram {Length} bins";
}
