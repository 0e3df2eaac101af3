using System.Globalization;
using System.Text;
using MaskStream.Core.Frames;
using MaskStream.Detector;
using MaskStream.Ingest.Datasets;
using OpenCvSharp;

namespace MaskStream.Bench;

/// <summary>
/// Per-stage detector times on real frames, the C# side of the comparison with bench/detector_torchvision.py:
/// <code>
/// dotnet run -c Release --project bench/MaskStream.Bench -- detector-stages --model models/maskstream-tiny \
///     --dataset /tmp/detbench --frames 20 --threads 2 --runs 3
/// </code>
/// The frames are <c>DATASET/images/*.png</c>; when that folder is empty they are rendered first as
/// <c>maskstream dataset coco --images N --seed 9001 --size 640x480</c> (the shipped model's held-out scenes) would.
/// Every frame is detected once, then again for <c>--warmup-seconds</c> (5) to warm up, then <c>--runs</c> times; medians per stage and per frame are printed with
/// the managed bytes this thread allocated per <see cref="Detector.Detector.Detect"/> (the kernels' worker threads
/// allocate nothing of their own; process-wide bytes are printed too). <c>--stage-clock cpu</c> times the stages in
/// process CPU time instead of wall time (on a shared machine; at one thread every stage runs on the calling thread).
/// </summary>
internal static class DetectorStages
{
    public static int Run(string[] args)
    {
        string model = Arg(args, "--model", "models/maskstream-tiny");
        string dataset = Arg(args, "--dataset", Path.Combine(Path.GetTempPath(), "maskstream-detbench"));
        int frameCount = int.Parse(Arg(args, "--frames", "20"), CultureInfo.InvariantCulture);
        int threads = int.Parse(Arg(args, "--threads", "2"), CultureInfo.InvariantCulture);
        int runs = int.Parse(Arg(args, "--runs", "3"), CultureInfo.InvariantCulture);
        double warmupSeconds = double.Parse(Arg(args, "--warmup-seconds", "5"), CultureInfo.InvariantCulture);
        float minScore = float.Parse(Arg(args, "--min-score", "0"), CultureInfo.InvariantCulture);
        bool spinning = Arg(args, "--spinning", "false") == "true";
        // --stage-clock cpu: stage rows in process CPU time (a busy shared machine), not wall time
        var clock = Arg(args, "--stage-clock", "wall") == "cpu" ? DetectorStageClock.ProcessCpu : DetectorStageClock.Wall;

        var files = Frames(dataset, frameCount);
        var frames = files.Select(LoadFrame).ToArray();
        using var detector = Detector.Detector.Load(model, new DetectorOptions { IntraOpThreads = threads, ScoreThreshold = minScore, IntraOpSpinning = spinning, StageClock = clock });
        int objects = 0;
        foreach (var f in frames)
        {
            var r = detector.Detect([f])[0];
            if (!r.IsSuccess) throw new InvalidOperationException($"{f.Info.FrameNumber}: {r.Error}");
            objects += r.Detected!.Detections.Length;
        }
        // Then on until the JIT has settled: .NET compiles hot methods again (tier 1, with the profile of the first calls)
        // on a background thread after about 30 calls, and on 2 cores that thread takes a kernel worker's core. With one
        // warm-up pass only, runs at 2 threads varied from 15 to 29 ms a frame on one host (box RoIAlign 0.7 to 8 ms);
        // DOTNET_TieredCompilation=0 gave 15 ms every time. A service runs for hours: its steady state is what counts.
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < warmupSeconds)
            foreach (var f in frames) detector.Detect([f]);

        var times = new List<DetectorStageTimes>();
        var wall = new List<double>();
        var threadBytes = new List<long>();
        var processBytes = new List<long>();
        var processCpu = new List<double>();
        var process = System.Diagnostics.Process.GetCurrentProcess();
        for (int run = 0; run < runs; run++)
        {
            foreach (var f in frames)
            {
                long p0 = GC.GetTotalAllocatedBytes(precise: true);
                long t0 = GC.GetAllocatedBytesForCurrentThread();
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var r = detector.Detect([f]);
                wall.Add(System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                process.Refresh();
                processCpu.Add((process.TotalProcessorTime - cpu0).TotalMilliseconds);
                threadBytes.Add(GC.GetAllocatedBytesForCurrentThread() - t0);
                processBytes.Add(GC.GetTotalAllocatedBytes(precise: true) - p0);
                GC.KeepAlive(r);
                times.Add(detector.LastStageTimes);
            }
        }

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture,
            $"MaskStream detector, {model}, {frames.Length} frames {frames[0].Info.Width}x{frames[0].Info.Height} from {Path.Combine(dataset, "images")}, " +
            $"IntraOpThreads={threads} (ORT intra-op and kernel workers), spinning {spinning}, inter-op 1, min score {minScore}, {runs} timed runs after {warmupSeconds:0.#} s of warm-up, " +
            $"{(double)objects / frames.Length:F1} detections/frame, load average {LoadAverage()}");
        report.AppendLine(clock == DetectorStageClock.ProcessCpu
            ? "stage (process CPU)        median ms   mean ms"
            : "stage (wall)               median ms   mean ms");
        Row(report, "preprocess", times.Select(t => t.Preprocess.TotalMilliseconds));
        Row(report, "backbone_rpn (ORT)", times.Select(t => t.BackboneRpn.TotalMilliseconds));
        Row(report, "proposals", times.Select(t => t.Proposals.TotalMilliseconds));
        Row(report, "box RoIAlign", times.Select(t => t.BoxRoiAlign.TotalMilliseconds));
        Row(report, "box head (ORT)", times.Select(t => t.BoxHead.TotalMilliseconds));
        Row(report, "box post-processing", times.Select(t => t.BoxPostprocess.TotalMilliseconds));
        Row(report, "mask RoIAlign", times.Select(t => t.MaskRoiAlign.TotalMilliseconds));
        Row(report, "mask head (ORT)", times.Select(t => t.MaskHead.TotalMilliseconds));
        Row(report, "mask sigmoid + paste", times.Select(t => t.Paste.TotalMilliseconds));
        Row(report, "keypoint RoIAlign", times.Select(t => t.KeypointRoiAlign.TotalMilliseconds));
        Row(report, "keypoint head (ORT)", times.Select(t => t.KeypointHead.TotalMilliseconds));
        Row(report, "keypoint decode", times.Select(t => t.KeypointDecode.TotalMilliseconds));
        Row(report, "per frame (Detect)", wall);
        Row(report, "per frame, process CPU", processCpu);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"managed allocation per Detect: this thread median {Median(threadBytes.Select(b => (double)b)):F0} B, " +
            $"process median {Median(processBytes.Select(b => (double)b)):F0} B");
        Console.Write(report.ToString());
        foreach (var f in frames) f.Dispose();
        return 0;
    }

    /// <summary>The dataset's PNG frames, rendered first when the folder has none.</summary>
    public static string[] Frames(string dataset, int count)
    {
        string images = Path.Combine(dataset, "images");
        if (!Directory.Exists(images) || Directory.GetFiles(images, "*.png").Length < count)
            CocoDatasetWriter.Write(new CocoDatasetOptions { OutputDirectory = dataset, Images = count, Seed = 9001, Width = 640, Height = 480 });
        return Directory.GetFiles(images, "*.png").Order(StringComparer.Ordinal).Take(count).ToArray();
    }

    public static Frame LoadFrame(string path, int index)
    {
        using var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty() || !mat.IsContinuous()) throw new InvalidDataException($"{path}: cannot decode");
        var pixels = PixelBuffer.Rent(mat.Cols, mat.Rows);
        unsafe
        {
            new ReadOnlySpan<byte>((void*)mat.Data, pixels.Length).CopyTo(pixels.Pixels);
        }
        return new Frame(new FrameInfo("bench", index, DateTimeOffset.UnixEpoch, null, mat.Cols, mat.Rows), pixels);
    }

    private static void Row(StringBuilder report, string name, IEnumerable<double> values)
    {
        var v = values.ToArray();
        report.AppendLine(CultureInfo.InvariantCulture, $"{name,-26} {Median(v),9:F2} {v.Average(),9:F2}");
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length == 0 ? 0 : v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Arg(string[] args, string name, string fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
