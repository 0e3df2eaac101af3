using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MaskStream.Detector;

/// <summary>
/// Time spent in each stage of the last <see cref="Detector.Detect"/> call, for benchmarks and metrics: wall time,
/// or the process's CPU time when the detector was created with <see cref="DetectorStageClock.ProcessCpu"/>.
/// </summary>
public record struct DetectorStageTimes(
    TimeSpan Preprocess, TimeSpan BackboneRpn, TimeSpan Proposals, TimeSpan BoxRoiAlign, TimeSpan BoxHead, TimeSpan BoxPostprocess,
    TimeSpan MaskRoiAlign, TimeSpan MaskHead, TimeSpan Paste, TimeSpan KeypointRoiAlign, TimeSpan KeypointHead, TimeSpan KeypointDecode)
{
    /// <summary>A reading of <paramref name="clock"/>: Stopwatch ticks, or CPU nanoseconds.</summary>
    internal static long Now(DetectorStageClock clock) =>
        clock == DetectorStageClock.ProcessCpu ? ProcessCpuClock.Nanoseconds() : Stopwatch.GetTimestamp();

    /// <summary>The time since <paramref name="start"/>, which moves on to now.</summary>
    internal static TimeSpan Since(ref long start, DetectorStageClock clock)
    {
        long now = Now(clock);
        var elapsed = clock == DetectorStageClock.ProcessCpu
            ? TimeSpan.FromTicks((now - start) / 100)
            : Stopwatch.GetElapsedTime(start, now);
        start = now;
        return elapsed;
    }

    public override readonly string ToString() =>
        $"preprocess {Ms(Preprocess)}, backbone_rpn {Ms(BackboneRpn)}, proposals {Ms(Proposals)}, box RoIAlign {Ms(BoxRoiAlign)}, " +
        $"box head {Ms(BoxHead)}, box post {Ms(BoxPostprocess)}, mask RoIAlign {Ms(MaskRoiAlign)}, mask head {Ms(MaskHead)}, " +
        $"paste {Ms(Paste)}, keypoint RoIAlign {Ms(KeypointRoiAlign)}, keypoint head {Ms(KeypointHead)}, keypoint decode {Ms(KeypointDecode)} ms";

    private static string Ms(TimeSpan t) => t.TotalMilliseconds.ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>What <see cref="Detector.LastStageTimes"/> measures.</summary>
internal enum DetectorStageClock
{
    /// <summary>Wall-clock time (the default; what the service's metrics report).</summary>
    Wall,

    /// <summary>The whole process's CPU time (benchmarks on a shared machine, where wall time swings with the neighbours).</summary>
    ProcessCpu,
}

/// <summary>The process's CPU time, for measuring on a busy shared machine where wall time does not hold.</summary>
internal static class ProcessCpuClock
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec value);

    /// <summary>
    /// CLOCK_PROCESS_CPUTIME_ID (2 on Linux): every thread of the process, nanosecond resolution
    /// (Process.TotalProcessorTime counts 10 ms ticks). 0 elsewhere.
    /// </summary>
    public static long Nanoseconds()
    {
        if (!OperatingSystem.IsLinux()) return 0;
        return ClockGetTime(2, out var ts) == 0 ? ts.Seconds * 1_000_000_000 + ts.Nanoseconds : 0;
    }
}
