using System.Diagnostics;

namespace MaskStream.Detector;

/// <summary>Wall time of each stage of the last <see cref="Detector.Detect"/> call, for benchmarks and metrics.</summary>
public record struct DetectorStageTimes(
    TimeSpan Preprocess, TimeSpan BackboneRpn, TimeSpan Proposals, TimeSpan BoxRoiAlign, TimeSpan BoxHead, TimeSpan BoxPostprocess,
    TimeSpan MaskRoiAlign, TimeSpan MaskHead, TimeSpan Paste, TimeSpan KeypointRoiAlign, TimeSpan KeypointHead, TimeSpan KeypointDecode)
{
    internal static TimeSpan Since(ref long start)
    {
        long now = Stopwatch.GetTimestamp();
        var elapsed = Stopwatch.GetElapsedTime(start, now);
        start = now;
        return elapsed;
    }

    public override readonly string ToString() =>
        $"preprocess {Ms(Preprocess)}, backbone_rpn {Ms(BackboneRpn)}, proposals {Ms(Proposals)}, box RoIAlign {Ms(BoxRoiAlign)}, " +
        $"box head {Ms(BoxHead)}, box post {Ms(BoxPostprocess)}, mask RoIAlign {Ms(MaskRoiAlign)}, mask head {Ms(MaskHead)}, " +
        $"paste {Ms(Paste)}, keypoint RoIAlign {Ms(KeypointRoiAlign)}, keypoint head {Ms(KeypointHead)}, keypoint decode {Ms(KeypointDecode)} ms";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}
