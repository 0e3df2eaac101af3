using MaskStream.Core.Appearance;

namespace MaskStream.Tracking.Implementation;

/// <summary>
/// A track's appearance as BoT-SORT keeps it: an exponential moving average of its detections' descriptors
/// (<c>smooth_feat = α·smooth_feat + (1 − α)·feat</c>, α = 0.9), here per body part of a <see cref="ColorHistogram"/>, so
/// that a detection that shows only the upper body (a person behind a low wall) updates the upper part and leaves the
/// lower one as it was.
/// </summary>
internal static class AppearanceAverage
{
    /// <summary>BoT-SORT's smoothing factor: the average moves a tenth of the way to each new descriptor.</summary>
    public const float Alpha = 0.9f;

    /// <summary>Blends <paramref name="observed"/> into <paramref name="average"/> in place; a part the average lacks is copied.</summary>
    public static void Update(float[] average, ref bool hasAverage, ReadOnlySpan<float> observed)
    {
        for (int part = 0; part < ColorHistogram.Length; part += ColorHistogram.PartBins)
        {
            var o = observed.Slice(part, ColorHistogram.PartBins);
            var a = average.AsSpan(part, ColorHistogram.PartBins);
            if (!(Sum(o) > 0)) continue;
            if (!(Sum(a) > 0))
            {
                o.CopyTo(a);
                continue;
            }
            for (int i = 0; i < a.Length; i++) a[i] = Alpha * a[i] + (1 - Alpha) * o[i];
        }
        hasAverage = true;
    }

    private static float Sum(ReadOnlySpan<float> values)
    {
        float s = 0;
        foreach (float v in values) s += v;
        return s;
    }
}
