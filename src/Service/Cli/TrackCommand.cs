using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using MaskStream.Core.Appearance;
using MaskStream.Core.Objects;
using MaskStream.Service.Configuration;
using MaskStream.Tracking;
using Microsoft.Extensions.Configuration;
using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream track</c>: the detector and a tracker offline on a video. Writes MOTChallenge rows that
/// <c>maskstream eval mot</c> scores against a <c>dataset mot</c> gt.txt, and on request the objects as JSON lines
/// (the <c>detect</c> contract plus track fields) and an annotated video.
/// </summary>
public static class TrackCommand
{
    /// <summary>The frame rate assumed for images, which carry none (also the tracker's, without --fps).</summary>
    private const double ImageFrameRate = 30;

    public static Command Create()
    {
        var cmd = new Command("track", "Detect and track objects through a video offline; write MOTChallenge rows and optionally JSON lines and an annotated video.");
        var detector = new DetectorArguments(cmd,
            "Drop detections scoring below this, before the mask and keypoint heads (0 keeps all the model keeps; the tracker ignores scores below Tracking:LowScoreThreshold anyway).",
            modelRequired: false);
        var input = new Option<string?>("--input")
        {
            Description = "A video file (or a folder of images, in name order, as MOTChallenge's img1). With --model: the frames to detect; " +
                          "with --detections: the frames those detections were made on, read only for their colours (Tracking:Appearance).",
        };
        var detections = new Option<string?>("--detections")
        {
            Description = "Track the JSON lines of `maskstream detect` (one line per frame, in order) instead of running a model: " +
                          "detect once, then compare trackers and settings. Replaces --model; no --video. Without --input the detections " +
                          "carry no colour histograms, so the appearance cue is off.",
        };
        var output = new Option<string>("--output")
        {
            Description = "MOTChallenge text: a row frame,id,x,y,w,h,score,class,-1,-1 per tracked object per frame (frames from 1; x,y,w,h in pixels, as dataset mot's gt.txt).",
            Required = true,
        };
        var tracker = new Option<string>("--tracker") { Description = "byte (ByteTrack: motion model, two-stage association) or iou (the greedy IoU baseline).", DefaultValueFactory = _ => "byte" };
        var tracking = new Option<string[]>("--tracking")
        {
            Description = "A tracker setting KEY=VALUE, as in appsettings.json's Tracking section (e.g. --tracking HighScoreThreshold=0.6 " +
                          "--tracking LostTrackBuffer=3s); repeat for more.",
        };
        var jsonl = new Option<string?>("--jsonl") { Description = "Also write JSON lines: the detect format (frames from 0) whose objects are the frame's tracks, with track_id, track_state and age." };
        var video = new Option<string?>("--video") { Description = "Also write an annotated MPEG-4 video (masks, boxes, track ids, skeletons; one colour per track) to this .mp4 file." };
        var fps = new Option<double?>("--fps") { Description = $"Frames per second, for the tracker's buffers given in seconds. Default: the video's own, {ImageFrameRate} for images and --detections." };
        foreach (var o in new Option[] { input, detections, output, tracker, tracking, jsonl, video, fps }) cmd.Options.Add(o);
        detector.AddTuningOptions(cmd);
        cmd.SetAction((r, ct) => Task.FromResult(Run(detector, r,
            new Settings(r.GetValue(input), r.GetValue(detections), r.GetValue(output)!, r.GetValue(tracker)!, r.GetValue(tracking) ?? [],
                r.GetValue(jsonl), r.GetValue(video), r.GetValue(fps)), ct)));
        return cmd;
    }

    private enum TrackerKind
    {
        Byte,
        Iou,
    }

    private sealed record Settings(string? Input, string? Detections, string Output, string Tracker, string[] Tracking, string? Jsonl,
        string? Video, double? Fps);

    /// <summary>The <c>--tracking KEY=VALUE</c> settings bound and checked as the service binds its Tracking section.</summary>
    internal static TrackerOptions ReadTrackerOptions(IReadOnlyList<string> settings)
    {
        var pairs = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (string setting in settings)
        {
            int eq = setting.IndexOf('=');
            if (eq <= 0) throw new CliException($"--tracking {setting}: expected KEY=VALUE, e.g. HighScoreThreshold=0.6");
            pairs[$"{TrackerOptions.SectionName}:{setting[..eq].Trim()}"] = setting[(eq + 1)..].Trim();
        }
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(pairs).Build();
        try
        {
            var options = SectionBinder.Bind<TrackerOptions>(configuration, TrackerOptions.SectionName);
            if (options.Validate() is [var problem, ..]) throw new CliException($"--tracking: {problem}");
            return options;
        }
        catch (ConfigurationException e)
        {
            throw new CliException($"--tracking: {e.Message}", e);
        }
    }

    private static int Run(DetectorArguments arguments, ParseResult r, Settings s, CancellationToken ct)
    {
        var kind = s.Tracker.ToLowerInvariant() switch
        {
            "byte" => TrackerKind.Byte,
            "iou" => TrackerKind.Iou,
            _ => throw new CliException($"--tracker {s.Tracker}: expected byte or iou"),
        };
        if (s.Fps is { } f && !(f > 0 && double.IsFinite(f)))
            throw new CliException($"--fps {f.ToString(CultureInfo.InvariantCulture)}: expected a positive number of frames per second");
        var trackerOptions = ReadTrackerOptions(s.Tracking);
        bool fromFile = s.Detections is not null;
        if (fromFile && (arguments.HasModel(r) || s.Video is not null))
            throw new CliException($"--detections {s.Detections}: tracks a detect JSONL file, so --model and --video do not apply");
        if (!fromFile && (!arguments.HasModel(r) || s.Input is null))
            throw new CliException("track needs --model and --input (or --detections with the JSON lines of maskstream detect)");
        var options = arguments.ReadOptions(r);
        bool appearance = kind == TrackerKind.Byte && trackerOptions.Appearance;
        // Saved detections need the frames only for their colours.
        var source = s.Input is null || (fromFile && !appearance) ? null : FrameInput.Open(s.Input);
        double frameRate = s.Fps ?? source?.FrameRate ?? ImageFrameRate;
        IMultiObjectTracker tracker = kind == TrackerKind.Byte
            ? new ByteTracker(trackerOptions, frameRate)
            : new IouTracker(trackerOptions, frameRate);
        using var detector = fromFile ? null : arguments.Load(r, options);
        var fileClasses = new ClassNames();
        int fileClassesVersion = -1;
        ResultJson? results = detector is null ? null : new ResultJson(detector.Manifest.Classes);
        using var mot = CreateText(s.Output);
        using var jsonl = s.Jsonl is null ? null : CreateText(s.Jsonl);
        AnnotatedVideo? writer = null;
        var annotator = detector is null ? null : new Annotator(detector.Manifest);
        var progress = Console.IsOutputRedirected ? null : new ProgressLine(Console.Out);
        var ids = new HashSet<long>();
        int count = 0, rows = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var (index, detected, mat) in fromFile ? FileFrames(s.Detections!, fileClasses, source, s.Input)
                         : DetectedFrames(detector!, source!, s.Input!, appearance))
            {
                ct.ThrowIfCancellationRequested();
                using (mat)
                {
                    var tracked = tracker.Update(detected).Frame;
                    foreach (var o in tracked.Objects)
                    {
                        mot.Write(MotRow(index + 1, o));
                        mot.Write('\n');
                        ids.Add(o.TrackId);
                    }
                    rows += tracked.Objects.Length;
                    if (jsonl is not null)
                    {
                        if (fromFile && fileClasses.Version != fileClassesVersion)
                            (results, fileClassesVersion) = (new ResultJson(fileClasses.ToArray()), fileClasses.Version);
                        jsonl.Write(results!.Tracks(index, tracked.Info, tracked.Objects) + "\n");
                    }
                    if (s.Video is not null && mat is not null)
                    {
                        annotator!.Draw(mat, tracked);
                        writer ??= AnnotatedVideo.Open(s.Video, mat.Size(), frameRate);
                        writer.Write(mat);
                    }
                    count++;
                    progress?.Report(count, clock.Elapsed, tracked.Objects.Length, ids.Count);
                }
            }
        }
        finally
        {
            writer?.Dispose();
        }
        var elapsed = clock.Elapsed;
        progress?.Finish(count, elapsed, ids.Count);
        string skipped = tracker.SkippedDetections > 0 ? $", {tracker.SkippedDetections} detections skipped (empty or NaN boxes)" : "";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"track ({kind.ToString().ToLowerInvariant()}): {count} frames, {ids.Count} tracks, {rows} rows{skipped} -> {s.Output} ({elapsed.TotalSeconds:F1} s, {Fps(count, elapsed):F1} fps)"));
        return 0;
    }

    /// <summary>
    /// The model's detections of each frame of the input, with the frame (for the annotated video); with
    /// <paramref name="appearance"/>, each detection carries its colour histogram, as the service's detector stage gives it.
    /// </summary>
    private static IEnumerable<(int Index, DetectedFrame Detected, Mat? Frame)> DetectedFrames(Detector.Detector detector, FrameInput source, string input,
        bool appearance)
    {
        foreach (var (index, name, mat) in source.Frames())
        {
            DetectedFrame detected;
            try
            {
                using var frame = FrameInput.ToFrame(mat, index, "track");
                var result = detector.Detect([frame])[0];
                if (!result.IsSuccess) throw new CliException($"{name ?? input} frame {index}: {result.Error}");
                detected = appearance ? DetectionAppearance.Add(result.Detected!, frame.Pixels) : result.Detected!;
            }
            catch
            {
                mat.Dispose();
                throw;
            }
            yield return (index, detected, mat);
        }
    }

    /// <summary>
    /// The saved detections of each frame; with <paramref name="source"/>, each carries the colour histogram of its pixels in
    /// that frame of the video, as if the detector stage had given it.
    /// </summary>
    private static IEnumerable<(int Index, DetectedFrame Detected, Mat? Frame)> FileFrames(string path, ClassNames classes, FrameInput? source,
        string? input)
    {
        using var frames = source?.Frames().GetEnumerator();
        foreach (var detected in DetectionsJsonl.Read(path, "track", classes))
        {
            int index = (int)detected.Info.FrameNumber;
            if (frames is null)
            {
                yield return (index, detected, null);
                continue;
            }
            if (!frames.MoveNext())
                throw new CliException($"--input {input}: ends before frame {index} of --detections {path}");
            using var mat = frames.Current.Image;
            if (frames.Current.Index != index)
                throw new CliException($"--detections {path}: frame {index} where --input {input} has frame {frames.Current.Index} (the lines must be the video's frames, in order)");
            if (mat.Width != detected.Info.Width || mat.Height != detected.Info.Height)
                throw new CliException($"--detections {path}: frame {index} is {detected.Info.Width}x{detected.Info.Height}, --input {input} {mat.Width}x{mat.Height}");
            using var frame = FrameInput.ToFrame(mat, index, "track");
            yield return (index, DetectionAppearance.Add(detected, frame.Pixels), null);
        }
    }

    /// <summary>
    /// One MOTChallenge row without its newline: <c>frame,id,x,y,w,h,score,class,-1,-1</c>. The detector's xyxy box is in
    /// continuous pixels (pixel i spans [i, i+1)), so x = x1 and w = x2 − x1 with no ±1: the same frame as gt.txt, whose
    /// x,y,w,h (pycocotools' toBbox of the mask) are the first pixel and the pixel count, i.e. the continuous box of
    /// those pixels.
    /// </summary>
    /// <param name="frame">MOTChallenge frame number, from 1.</param>
    internal static string MotRow(int frame, TrackedObject o)
    {
        var d = o.Detection;
        return string.Create(CultureInfo.InvariantCulture,
            $"{frame},{o.TrackId},{d.Box.X1:0.##},{d.Box.Y1:0.##},{d.Box.Width:0.##},{d.Box.Height:0.##},{d.Score:0.####},{d.ClassId},-1,-1");
    }

    private static StreamWriter CreateText(string path)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        return new StreamWriter(path, false, new UTF8Encoding(false));
    }

    private static double Fps(int frames, TimeSpan elapsed) => elapsed.TotalSeconds > 0 ? frames / elapsed.TotalSeconds : 0;

    /// <summary>A line rewritten in place on a terminal, at most four times a second so printing costs nothing.</summary>
    internal sealed class ProgressLine(TextWriter output)
    {
        private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
        private TimeSpan? _last;
        private int _tracksNow;

        public void Report(int frames, TimeSpan elapsed, int tracksNow, int tracksSeen)
        {
            _tracksNow = tracksNow;
            if (_last is { } last && elapsed - last < Interval) return;
            _last = elapsed;
            Write(frames, elapsed, tracksSeen);
        }

        /// <summary>Shows the final figures and ends the line, so the summary starts on its own.</summary>
        public void Finish(int frames, TimeSpan elapsed, int tracksSeen)
        {
            if (_last is null) return;
            Write(frames, elapsed, tracksSeen);
            output.Write('\n');
        }

        // Trailing blanks wipe the end of a longer previous line.
        private void Write(int frames, TimeSpan elapsed, int tracksSeen) =>
            output.Write(string.Create(CultureInfo.InvariantCulture,
                $"\rtrack: {frames} frames, {Fps(frames, elapsed):F1} fps, {_tracksNow} tracks now, {tracksSeen} seen   "));
    }
}
