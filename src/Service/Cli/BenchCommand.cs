using System.CommandLine;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Ingest;
using MaskStream.Ingest.Datasets;
using MaskStream.Publish;
using MaskStream.Publish.Mqtt;
using MaskStream.Service.Configuration;
using MaskStream.Service.Pipeline;
using MaskStream.Service.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream bench</c>: the service's own pipeline (<see cref="ServicePipeline"/>, its readers, stages, metrics and
/// MQTT publisher into an in-process embedded broker on a free loopback port) measured against the detector alone.
/// (1) detector only: decoded frames of a video through <see cref="Detector.Detector.Detect"/> one at a time, as the
/// detector stage batches a single camera; (2) the same file as a camera with <c>Pace = fast</c> through the whole
/// pipeline: throughput, the ratio to (1), capture → publish latency and drops; (3) N live synthetic cameras at once;
/// (4) steady-state managed allocation per frame. Settings come from appsettings.json like <c>run</c>, so the batch
/// and thread settings are the service's.
/// </summary>
public static class BenchCommand
{
    private const string FileCamera = "file";

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Model directory (default: Detector:Model, the shipped model)." };
        var input = new Option<string?>("--input") { Description = "Video file to read (default: a synthetic MOT sequence rendered into a temporary folder)." };
        var frames = new Option<int>("--frames") { Description = "Frames of the rendered video, and at most this many frames of --input for the detector-only run.", DefaultValueFactory = _ => 60 };
        var size = new Option<string>("--size") { Description = "Frame size WxH of the rendered video and the synthetic cameras.", DefaultValueFactory = _ => "640x480" };
        var cameras = new Option<int>("--cameras") { Description = "Live synthetic cameras run at once (0 skips that run).", DefaultValueFactory = _ => 4 };
        var duration = new Option<double>("--duration") { Description = "Seconds the live cameras run.", DefaultValueFactory = _ => 20 };
        var threads = new Option<int?>("--threads") { Description = "ONNX Runtime and kernel threads (default: Detector:IntraOpThreads)." };
        var repeat = new Option<int>("--repeat") { Description = "Detector-only and end-to-end runs, alternating; the medians are reported.", DefaultValueFactory = _ => 1 };
        var warmup = new Option<int>("--warmup") { Description = "Frames run before measuring (detector warm-up; the allocation window opens after them).", DefaultValueFactory = _ => 5 };
        var json = new Option<string?>("--json") { Description = "Also write the results as JSON to this file." };
        var command = new Command("bench", "Measure the service end to end: detector-only vs full-pipeline throughput on a video file, capture→publish latency, " +
                                           "drops, live synthetic cameras at once, managed allocation per frame. --Section:Key=value overrides settings as for run.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        foreach (var o in new Option[] { model, input, frames, size, cameras, duration, threads, repeat, warmup, json })
            command.Options.Add(o);
        command.SetAction((r, ct) =>
        {
            var settings = new Settings(r.GetValue(model), r.GetValue(input), r.GetValue(frames), DatasetCommand.ParseSize(r.GetValue(size)!),
                r.GetValue(cameras), r.GetValue(duration), r.GetValue(threads), r.GetValue(repeat), r.GetValue(warmup), r.GetValue(json));
            settings.Validate();
            return RunAsync(settings, r.UnmatchedTokens, ct);
        });
        return command;
    }

    private sealed record Settings(string? Model, string? Input, int Frames, (int Width, int Height) Size, int Cameras, double Duration,
        int? Threads, int Repeat, int Warmup, string? Json)
    {
        public void Validate()
        {
            if (Frames is < 1 or > 10_000) throw new CliException($"--frames {Frames}: expected 1..10000");
            if (Cameras is < 0 or > 64) throw new CliException($"--cameras {Cameras}: expected 0..64");
            if (!(Duration is >= 1 and <= 3600)) throw new CliException($"--duration {Duration}: expected 1..3600 seconds");
            if (Threads is < 0 or > 256) throw new CliException($"--threads {Threads}: expected 0..256");
            if (Repeat is < 1 or > 100) throw new CliException($"--repeat {Repeat}: expected 1..100");
            if (Warmup is < 0 or > 1000) throw new CliException($"--warmup {Warmup}: expected 0..1000");
            if (Input is not null && !File.Exists(Input)) throw new CliException($"--input '{Input}': no such file");
            // MPEG-4 video stores 4:2:0 chroma, which needs even dimensions.
            if (Input is null && (Size.Width % 2 != 0 || Size.Height % 2 != 0)) throw new CliException($"--size '{Size.Width}x{Size.Height}': expected even W and H for the rendered video");
        }
    }

    private static async Task<int> RunAsync(Settings settings, IReadOnlyList<string> overrides, CancellationToken ct)
    {
        var options = LoadOptions(settings, overrides);
        string? rendered = null;
        string video = settings.Input ?? RenderVideo(settings, out rendered);
        try
        {
            string modelDirectory = options.Detector.ResolveModel(Directory.GetCurrentDirectory(), AppContext.BaseDirectory)
                ?? throw new CliException($"{(settings.Model is null ? $"{DetectorSettings.Section}:Model" : "--model")} = '{options.Detector.Model}': no such model directory");
            Detector.Detector detector;
            try
            {
                detector = Detector.Detector.Load(modelDirectory, options.Detector.ToDetectorOptions());
            }
            catch (Detector.DetectorException e)
            {
                throw new CliException($"--model '{modelDirectory}': {e.Message}", e);
            }
            using (detector)
            {
                var report = new Report(modelDirectory, settings.Input ?? $"synthetic MOT sequence, {settings.Frames} frames {settings.Size.Width}x{settings.Size.Height}", options, settings.Warmup);
                Console.WriteLine(report.Header());
                // The two runs alternate, so a neighbour's load that comes and goes falls on both sides alike; each
                // side's median run is reported, and the ratio is of the medians.
                var detectorRuns = new List<DetectorResult>();
                var pipelineRuns = new List<PipelineResult>();
                for (int i = 0; i < settings.Repeat; i++)
                {
                    report.DetectorOnly = await DetectorOnlyAsync(detector, video, settings, ct).ConfigureAwait(false);
                    Console.WriteLine(report.DetectorOnly.Line());
                    report.EndToEnd = await PipelineAsync(detector, options, [FileCamera], [new CameraOptions { Id = FileCamera, Uri = video, Pace = FramePace.Fast }],
                        settings.Warmup, settings.Frames, duration: null, ct).ConfigureAwait(false);
                    Console.WriteLine(report.EndToEndLine());
                    Console.WriteLine("  " + report.EndToEnd.StageLine());
                    detectorRuns.Add(report.DetectorOnly);
                    pipelineRuns.Add(report.EndToEnd);
                }
                if (settings.Repeat > 1)
                {
                    report.DetectorOnly = detectorRuns.OrderBy(r => r.Fps).ElementAt(settings.Repeat / 2);
                    report.EndToEnd = pipelineRuns.OrderBy(r => r.Fps).ElementAt(settings.Repeat / 2);
                    report.Repeats = detectorRuns.Zip(pipelineRuns, (d, e) => (d.Fps, e.Fps)).ToArray();
                    Console.WriteLine($"median of {settings.Repeat}: " + report.MedianLine());
                }
                if (settings.Cameras > 0)
                {
                    var ids = Enumerable.Range(1, settings.Cameras).Select(i => $"cam{i}").ToArray();
                    var live = ids.Select((id, i) => new CameraOptions
                    {
                        Id = id,
                        Uri = string.Create(CultureInfo.InvariantCulture, $"synthetic://walkers?seed={i + 1}&size={settings.Size.Width}x{settings.Size.Height}&fps=30&people=6"),
                    }).ToArray();
                    report.Live = await PipelineAsync(detector, options, ids, live, settings.Warmup, 1024, TimeSpan.FromSeconds(settings.Duration), ct).ConfigureAwait(false);
                    foreach (var line in report.LiveLines())
                        Console.WriteLine(line);
                    Console.WriteLine("  " + report.Live.StageLine());
                }
                if (settings.Json is { } path)
                    WriteJson(path, report);
                return 0;
            }
        }
        finally
        {
            if (rendered is not null && Directory.Exists(rendered))
                Directory.Delete(rendered, recursive: true);
        }
    }

    private static ServiceOptions LoadOptions(Settings settings, IReadOnlyList<string> overrides)
    {
        var all = overrides.ToList();
        if (settings.Model is { } m) all.Add($"--{DetectorSettings.Section}:Model={m}");
        if (settings.Threads is { } t) all.Add(string.Create(CultureInfo.InvariantCulture, $"--{DetectorSettings.Section}:IntraOpThreads={t}"));
        try
        {
            return ServiceOptions.Bind(ServiceConfiguration.Load(all));
        }
        catch (ConfigurationException e)
        {
            throw new CliException(e.Message, e);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or FileNotFoundException)
        {
            throw new CliException($"configuration: {e.Message}", e);
        }
    }

    private static string RenderVideo(Settings settings, out string directory)
    {
        directory = Path.Combine(Path.GetTempPath(), "maskstream-bench-" + Guid.NewGuid().ToString("N"));
        MotDatasetWriter.Write(new MotDatasetOptions
        {
            OutputDirectory = directory, Frames = settings.Frames, Width = settings.Size.Width, Height = settings.Size.Height, Seed = 1,
        });
        return Path.Combine(directory, "video.mp4");
    }

    /// <summary>Decodes up to <c>--frames</c> frames first (decoding is not the detector's time), then runs the warm-up
    /// and the measured pass, one frame per call as the detector stage does with one camera.</summary>
    private static async Task<DetectorResult> DetectorOnlyAsync(Detector.Detector detector, string video, Settings settings, CancellationToken ct)
    {
        var frames = new List<Frame>(settings.Frames);
        try
        {
            await using (var source = FrameSourceFactory.Open(FileCamera, video, new SourceOptions { Pace = FramePace.Fast }))
            {
                await foreach (var frame in source.ReadAsync(ct).ConfigureAwait(false))
                {
                    frames.Add(frame);
                    if (frames.Count == settings.Frames)
                        break;
                }
            }
            if (frames.Count == 0)
                throw new CliException($"--input '{video}': no frames could be read");
            var one = new Frame[1];
            for (int i = 0; i < settings.Warmup; i++)
            {
                one[0] = frames[i % frames.Count];
                detector.Detect(one);
            }
            int failed = 0;
            long allocated = GC.GetTotalAllocatedBytes(precise: true);
            long started = Stopwatch.GetTimestamp();
            foreach (var frame in frames)
            {
                ct.ThrowIfCancellationRequested();
                one[0] = frame;
                if (detector.Detect(one)[0].Detected is null)
                    failed++;
            }
            double seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
            double perFrame = (double)(GC.GetTotalAllocatedBytes(precise: true) - allocated) / frames.Count;
            return new DetectorResult(frames.Count, failed, seconds, frames.Count / seconds, perFrame);
        }
        finally
        {
            foreach (var frame in frames)
                frame.Dispose();
        }
    }

    /// <summary>One run of the service's pipeline on these cameras, publishing into an embedded broker on a free loopback
    /// port. A file camera runs to its end; live cameras run for <paramref name="duration"/> and are then stopped as
    /// the service is (drain and flush).</summary>
    private static async Task<PipelineResult> PipelineAsync(Detector.Detector detector, ServiceOptions configured, string[] ids,
        IReadOnlyList<CameraOptions> cameras, int warmup, int expectedFrames, TimeSpan? duration, CancellationToken ct)
    {
        var options = configured with
        {
            Cameras = cameras,
            Mqtt = configured.Mqtt with { Mode = MqttMode.Embedded, Host = "127.0.0.1", Port = FreePort() },
        };
        var counters = ids.Select(id => new CameraCounters(id)).ToArray();
        using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var monitor = new PipelineMonitor(counters, TimeProvider.System);
        var metrics = new ServiceMetrics(services.GetRequiredService<IMeterFactory>(), monitor);
        using var recorder = new BenchRecorder(metrics.FrameLatency, [metrics.DetectorDuration, metrics.TrackingDuration, metrics.PublishDuration], warmup, expectedFrames);

        await using var broker = new EmbeddedBroker(options.Mqtt.Host, options.Mqtt.Port);
        await broker.StartAsync().ConfigureAwait(false);
        await using var publisher = new MqttPublisher(options.Mqtt, detector.Manifest.Classes, "bench");
        await publisher.StartAsync(ct).ConfigureAwait(false);

        var pipeline = new ServicePipeline(options, detector, publisher, TextWriter.Null, new PipelineObservers(monitor, metrics));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        long started = Stopwatch.GetTimestamp();
        // The clock starts when the cameras do, after the pipeline's detector warm-up.
        int opened = await pipeline.RunAsync(stop.Token, () =>
        {
            started = Stopwatch.GetTimestamp();
            if (duration is { } d)
                stop.CancelAfter(d);
        }).ConfigureAwait(false);
        ct.ThrowIfCancellationRequested();
        if (opened == 0)
            throw new CliException($"camera '{counters[0].Id}': {counters[0].LastError}");
        // A file runs from the pipeline's start to its last frame out; live cameras for the time they were given.
        double seconds = duration?.TotalSeconds ?? Stopwatch.GetElapsedTime(started, recorder.LastTimestamp).TotalSeconds;
        var (p50, p99) = recorder.Percentiles();
        var perCamera = counters.Select(c => new CameraResult(c.Id, c.Read, c.Processed, c.Published, c.Failed, seconds > 0 ? c.Published / seconds : 0,
            new SortedDictionary<string, long>(c.DropsByReason.ToDictionary(), StringComparer.Ordinal))).ToArray();
        return new PipelineResult(perCamera, seconds, recorder.Count / seconds, recorder.SteadyFps, p50, p99, recorder.AllocatedPerFrame,
            publisher.PublishedCount, publisher.DroppedCount, recorder.StageMeansMs(), recorder.StageCount(0));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void WriteJson(string path, Report report)
    {
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            if (directory is not null)
                Directory.CreateDirectory(directory);
            using var stream = File.Create(path);
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            report.Write(w);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--json '{path}': {e.Message}", e);
        }
    }

    private sealed record DetectorResult(int Frames, int Failed, double Seconds, double Fps, double AllocatedPerFrame)
    {
        public string Line() => string.Create(CultureInfo.InvariantCulture,
            $"detector only: {Frames} frames in {Seconds:0.00} s = {Fps:0.00} frames/s (1 frame per call), {AllocatedPerFrame / 1024:0} KiB managed per frame") +
            (Failed > 0 ? $", {Failed} failed" : "");
    }

    private sealed record CameraResult(string Id, long Read, long Processed, long Published, long Failed, double Fps, SortedDictionary<string, long> Dropped);

    private sealed record PipelineResult(CameraResult[] Cameras, double Seconds, double Fps, double SteadyFps, double P50, double P99,
        double AllocatedPerFrame, long MqttMessages, long MqttDropped, double[] StageMs, long DetectorCalls)
    {
        /// <summary>The names of <see cref="StageMs"/>'s entries, in order.</summary>
        public static readonly string[] StageNames = ["detector_call", "tracking", "publish"];

        /// <summary>Share of the run the detector stage spent inside detector calls: near 1 when the other stages
        /// overlap with it and it is the bottleneck. Calls × mean call time / run time.</summary>
        public double DetectorBusy(long calls) => Seconds > 0 ? calls * StageMs[0] / 1000 / Seconds : double.NaN;

        public string StageLine() => "mean ms: " + string.Join(", ",
            StageNames.Select((n, i) => string.Create(CultureInfo.InvariantCulture, $"{n} {StageMs[i]:0.0}"))) +
            string.Create(CultureInfo.InvariantCulture, $"; detector busy {DetectorBusy(DetectorCalls):P1} of the run");
    }

    private sealed class Report(string model, string input, ServiceOptions options, int warmup)
    {
        public DetectorResult? DetectorOnly { get; set; }
        public PipelineResult? EndToEnd { get; set; }
        public PipelineResult? Live { get; set; }
        public (double DetectorFps, double EndToEndFps)[]? Repeats { get; set; }

        public string MedianLine() => string.Create(CultureInfo.InvariantCulture,
            $"detector only {DetectorOnly!.Fps:0.00} frames/s, end to end {EndToEnd!.Fps:0.00} frames/s = {Ratio:P1} ({(Ratio >= 0.9 ? "meets" : "misses")} 90%)");

        private double Ratio => EndToEnd!.Fps / DetectorOnly!.Fps;

        public string Header() => string.Create(CultureInfo.InvariantCulture,
            $"bench: model {model}, input {input}, {options.Detector.IntraOpThreads} threads, MaxBatch {options.Detector.MaxBatch}, " +
            $"{Environment.ProcessorCount} cores, load average {LoadAverage() ?? "n/a"}");

        public string EndToEndLine()
        {
            var e = EndToEnd!;
            var c = e.Cameras[0];
            return string.Create(CultureInfo.InvariantCulture,
                $"end to end: {c.Published} of {c.Read} frames published in {e.Seconds:0.00} s = {e.Fps:0.00} frames/s = {Ratio:P1} of detector only " +
                $"({(Ratio >= 0.9 ? "meets" : "misses")} 90%); latency capture→publish p50 {e.P50:0} ms p99 {e.P99:0} ms; {Drops(c.Dropped)}, {c.Failed} failed; " +
                $"{e.AllocatedPerFrame / 1024:0} KiB managed per frame after {warmup} warm-up frames (whole process, broker included)");
        }

        public IEnumerable<string> LiveLines()
        {
            var l = Live!;
            yield return string.Create(CultureInfo.InvariantCulture,
                $"{l.Cameras.Length} live synthetic cameras for {l.Seconds:0} s: {l.Fps:0.00} frames/s in all, latency p50 {l.P50:0} ms p99 {l.P99:0} ms, " +
                $"{l.AllocatedPerFrame / 1024:0} KiB managed per frame");
            foreach (var c in l.Cameras)
                yield return string.Create(CultureInfo.InvariantCulture,
                    $"  {c.Id}: {c.Read} read, {c.Published} published = {c.Fps:0.00} fps, {Drops(c.Dropped)}, {c.Failed} failed");
        }

        public void Write(Utf8JsonWriter w)
        {
            w.WriteStartObject();
            w.WriteString("model", model);
            w.WriteString("input", input);
            w.WriteNumber("threads", options.Detector.IntraOpThreads);
            w.WriteNumber("max_batch", options.Detector.MaxBatch);
            w.WriteNumber("processors", Environment.ProcessorCount);
            if (LoadAverage() is { } load) w.WriteString("load_average", load);
            var d = DetectorOnly!;
            w.WriteStartObject("detector_only");
            w.WriteNumber("frames", d.Frames);
            w.WriteNumber("failed", d.Failed);
            w.WriteNumber("seconds", d.Seconds);
            w.WriteNumber("fps", d.Fps);
            Number(w, "allocated_bytes_per_frame", d.AllocatedPerFrame);
            w.WriteEndObject();
            w.WritePropertyName("end_to_end");
            WritePipeline(w, EndToEnd!);
            if (Repeats is { } repeats)
            {
                w.WriteStartArray("repeats");
                foreach (var (detectorFps, endToEndFps) in repeats)
                {
                    w.WriteStartObject();
                    w.WriteNumber("detector_only_fps", detectorFps);
                    w.WriteNumber("end_to_end_fps", endToEndFps);
                    w.WriteNumber("ratio", endToEndFps / detectorFps);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            if (Live is { } live)
            {
                w.WritePropertyName("live_cameras");
                WritePipeline(w, live, ratio: false);
            }
            w.WriteEndObject();
        }

        private void WritePipeline(Utf8JsonWriter w, PipelineResult p, bool ratio = true)
        {
            w.WriteStartObject();
            w.WriteNumber("seconds", p.Seconds);
            w.WriteNumber("frames_published", p.Cameras.Sum(c => c.Published));
            w.WriteNumber("fps", p.Fps);
            Number(w, "steady_fps", p.SteadyFps);
            if (ratio)
            {
                w.WriteNumber("ratio_to_detector_only", Ratio);
                w.WriteBoolean("meets_90_percent", Ratio >= 0.9);
            }
            w.WriteStartObject("latency_ms");
            Number(w, "p50", p.P50);
            Number(w, "p99", p.P99);
            w.WriteEndObject();
            Number(w, "allocated_bytes_per_frame", p.AllocatedPerFrame);
            w.WriteStartObject("stage_mean_ms");
            for (int i = 0; i < p.StageMs.Length; i++)
                Number(w, PipelineResult.StageNames[i], p.StageMs[i]);
            w.WriteEndObject();
            w.WriteNumber("detector_calls", p.DetectorCalls);
            Number(w, "detector_busy_fraction", p.DetectorBusy(p.DetectorCalls));
            w.WriteNumber("mqtt_messages", p.MqttMessages);
            w.WriteNumber("mqtt_dropped", p.MqttDropped);
            w.WriteStartArray("cameras");
            foreach (var c in p.Cameras)
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteNumber("frames_read", c.Read);
                w.WriteNumber("frames_processed", c.Processed);
                w.WriteNumber("frames_published", c.Published);
                w.WriteNumber("frames_failed", c.Failed);
                w.WriteNumber("fps", c.Fps);
                w.WriteStartObject("dropped");
                foreach (var (reason, n) in c.Dropped)
                    w.WriteNumber(reason, n);
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }

        // JSON has no NaN: a figure that could not be measured (too few frames) is null.
        private static void Number(Utf8JsonWriter w, string name, double value)
        {
            if (double.IsFinite(value)) w.WriteNumber(name, value);
            else w.WriteNull(name);
        }

        private static string Drops(SortedDictionary<string, long> dropped) =>
            dropped.Count == 0 ? "0 dropped" : $"{dropped.Values.Sum()} dropped ({string.Join(", ", dropped.Select(kv => $"{kv.Key} {kv.Value}"))})";

        private static string? LoadAverage()
        {
            try
            {
                var parts = File.ReadAllText("/proc/loadavg").Split(' ');
                return parts.Length >= 3 ? $"{parts[0]} {parts[1]} {parts[2]}" : null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }
}
