using System.CommandLine;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;
using MaskStream.Detector;
using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream detect</c>: the detector offline on a video, an image or a folder of images. Writes one JSON line per
/// frame or image (docs/DESIGN.md, Contracts) and, on request, annotated images or a video for people to look at.
/// </summary>
public static class DetectCommand
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".webp"];

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Model directory (model.json + ONNX graphs, from tools/model/export.py).", Required = true };
        var input = new Option<string>("--input") { Description = "A video file, an image file, or a folder of images (.png .jpg .jpeg .bmp .ppm .tif .tiff .webp, in name order).", Required = true };
        var output = new Option<string>("--output") { Description = "JSONL file: one line per frame or image.", Required = true };
        var video = new Option<string?>("--video") { Description = "Also write an annotated MPEG-4 video (masks, boxes, class and score, skeletons) to this .mp4 file." };
        var images = new Option<string?>("--images") { Description = "Also write annotated images (one .jpg per frame or image) to this folder." };
        var device = new Option<string>("--device") { Description = "cpu or cuda (the CUDA build of ONNX Runtime).", DefaultValueFactory = _ => "cpu" };
        var threads = new Option<int>("--threads") { Description = "ONNX Runtime and kernel threads (0 = all cores).", DefaultValueFactory = _ => 2 };
        var minScore = new Option<float>("--min-score") { Description = "Drop detections scoring below this, before the mask and keypoint heads (0 keeps all the model keeps).", DefaultValueFactory = _ => 0f };
        var cmd = new Command("detect", "Run the detector on a video, an image or a folder of images; write JSON lines and optionally annotated output.");
        foreach (var o in new Option[] { model, input, output, video, images, device, threads, minScore }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) => Task.FromResult(Run(new Settings(r.GetValue(model)!, r.GetValue(input)!, r.GetValue(output)!,
            r.GetValue(video), r.GetValue(images), r.GetValue(device)!, r.GetValue(threads), r.GetValue(minScore)), ct)));
        return cmd;
    }

    private sealed record Settings(string Model, string Input, string Output, string? Video, string? Images, string Device,
        int Threads, float MinScore);

    private static int Run(Settings s, CancellationToken ct)
    {
        var options = new DetectorOptions
        {
            Device = s.Device.ToLowerInvariant() switch
            {
                "cpu" => DetectorDevice.Cpu,
                "cuda" => DetectorDevice.Cuda,
                _ => throw new CliException($"--device {s.Device}: expected cpu or cuda"),
            },
            IntraOpThreads = s.Threads is >= 0 and <= 256 ? s.Threads : throw new CliException($"--threads {s.Threads}: expected 0..256"),
            ScoreThreshold = s.MinScore is >= 0f and <= 1f ? s.MinScore : throw new CliException($"--min-score {s.MinScore}: expected a number in [0, 1]"),
        };
        var source = OpenInput(s.Input);
        Detector.Detector detector;
        try
        {
            detector = Detector.Detector.Load(s.Model, options);
        }
        catch (DetectorException e)
        {
            throw new CliException($"--model {s.Model}: {e.Message}", e);
        }
        using (detector)
        {
            if (s.Images is not null) Directory.CreateDirectory(s.Images);
            string? outDir = Path.GetDirectoryName(Path.GetFullPath(s.Output));
            if (outDir is not null) Directory.CreateDirectory(outDir);
            using var jsonl = new StreamWriter(s.Output);
            VideoWriter? writer = null;
            var annotator = new Annotator(detector.Manifest);
            int count = 0, objects = 0;
            var clock = Stopwatch.StartNew();
            try
            {
                foreach (var (index, name, mat) in source())
                {
                    ct.ThrowIfCancellationRequested();
                    using (mat)
                    {
                        using var frame = ToFrame(mat, index);
                        var result = detector.Detect([frame])[0];
                        if (!result.IsSuccess) throw new CliException($"{name ?? s.Input}{(name is null ? $" frame {index}" : "")}: {result.Error}");
                        var detected = result.Detected!;
                        jsonl.WriteLine(ToJson(index, name, detected, detector.Manifest.Classes));
                        objects += detected.Detections.Length;
                        if (s.Images is null && s.Video is null) continue;
                        annotator.Draw(mat, detected);
                        if (s.Images is not null)
                            Cv2.ImWrite(Path.Combine(s.Images, (name is null ? $"{index:D6}" : Path.GetFileNameWithoutExtension(name)) + ".jpg"), mat);
                        if (s.Video is not null)
                        {
                            writer ??= OpenVideo(s.Video, mat.Size());
                            writer.Write(mat);
                        }
                    }
                    count++;
                }
            }
            finally
            {
                writer?.Dispose();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            Console.WriteLine($"detect: {count} frames, {objects} objects -> {s.Output} ({seconds:F1} s, {(count > 0 ? 1000 * seconds / count : 0):F1} ms/frame)");
        }
        return 0;
    }

    /// <summary>Checks the input now (one clear line if it is bad) and returns the frame sequence.</summary>
    private static Func<IEnumerable<(int Index, string? Name, Mat Image)>> OpenInput(string input)
    {
        if (Directory.Exists(input))
        {
            var files = Directory.GetFiles(input).Where(IsImage).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
                throw new CliException($"--input {input}: the folder holds no images ({string.Join(" ", ImageExtensions)})");
            return () => files.Select((f, i) => (i, (string?)Path.GetFileName(f), ReadImage(f)));
        }
        if (!File.Exists(input)) throw new CliException($"--input {input}: no such file or folder");
        if (IsImage(input)) return () => [(0, Path.GetFileName(input), ReadImage(input))];
        using (var probe = new VideoCapture(input))
            if (!probe.IsOpened()) throw new CliException($"--input {input}: not an image and not a video OpenCV can read");
        return () => VideoFrames(input);
    }

    private static IEnumerable<(int, string?, Mat)> VideoFrames(string path)
    {
        using var capture = new VideoCapture(path);
        for (int i = 0; ; i++)
        {
            var mat = new Mat();
            if (!capture.Read(mat) || mat.Empty())
            {
                mat.Dispose();
                yield break;
            }
            yield return (i, null, mat);
        }
    }

    private static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static Mat ReadImage(string path)
    {
        var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new CliException($"{path}: cannot decode the image (corrupt or unsupported)");
        }
        return mat;
    }

    private static unsafe Frame ToFrame(Mat mat, int index)
    {
        var pixels = PixelBuffer.Rent(mat.Cols, mat.Rows);
        using var continuous = mat.IsContinuous() ? null : mat.Clone();
        var src = continuous ?? mat;
        new ReadOnlySpan<byte>((void*)src.Data, pixels.Length).CopyTo(pixels.Pixels);
        return new Frame(new FrameInfo("detect", index, DateTimeOffset.UtcNow, null, mat.Cols, mat.Rows), pixels);
    }

    private static VideoWriter OpenVideo(string path, Size size)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var writer = new VideoWriter(path, FourCC.MP4V, 25, size);
        if (!writer.IsOpened())
        {
            writer.Dispose();
            throw new CliException($"--video {path}: OpenCV cannot write an MPEG-4 video there");
        }
        return writer;
    }

    /// <summary>One line of the detect JSONL contract.</summary>
    internal static string ToJson(int index, string? source, DetectedFrame frame, IReadOnlyList<string> classes)
    {
        using var buffer = new MemoryStream();
        // Relaxed escaping writes RLE counts as pycocotools and reference.py do (no \u003E for '>').
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("frame", index);
            if (source is not null) w.WriteString("source", source);
            w.WriteNumber("width", frame.Info.Width);
            w.WriteNumber("height", frame.Info.Height);
            w.WriteStartArray("objects");
            foreach (var d in frame.Detections)
            {
                w.WriteStartObject();
                w.WriteNumber("class_id", d.ClassId);
                w.WriteString("class", classes[d.ClassId]);
                w.WriteNumber("score", d.Score);
                w.WriteStartArray("bbox");
                w.WriteNumberValue(d.Box.X1);
                w.WriteNumberValue(d.Box.Y1);
                w.WriteNumberValue(d.Box.X2);
                w.WriteNumberValue(d.Box.Y2);
                w.WriteEndArray();
                if (d.Mask is { } mask)
                {
                    w.WriteStartObject("mask");
                    w.WriteStartArray("size");
                    w.WriteNumberValue(mask.Height);
                    w.WriteNumberValue(mask.Width);
                    w.WriteEndArray();
                    w.WriteString("counts", mask.ToCompressedString());
                    w.WriteEndObject();
                }
                if (!d.Keypoints.IsDefaultOrEmpty)
                {
                    w.WriteStartArray("keypoints");
                    foreach (var k in d.Keypoints)
                    {
                        w.WriteStartArray();
                        w.WriteNumberValue(k.X);
                        w.WriteNumberValue(k.Y);
                        w.WriteNumberValue(k.Score);
                        w.WriteEndArray();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Masks (half-transparent, one colour per class), boxes, class and score, and keypoint skeletons.</summary>
    private sealed class Annotator(Detector.Manifest.ModelManifest manifest)
    {
        private static readonly Scalar[] Palette =
        [
            new(60, 180, 75), new(48, 130, 245), new(200, 130, 0), new(180, 30, 145), new(75, 25, 230), new(240, 240, 70),
            new(0, 128, 128), new(255, 190, 230),
        ];

        private byte[] _mask = [];

        public void Draw(Mat image, DetectedFrame frame)
        {
            int w = image.Cols, h = image.Rows;
            if (_mask.Length < w * h) _mask = new byte[w * h];
            foreach (var d in frame.Detections.Reverse())
            {
                var color = Palette[d.ClassId % Palette.Length];
                if (d.Mask is { } m)
                {
                    m.DecodeTo(_mask.AsSpan(0, w * h));
                    using var maskMat = Mat.FromPixelData(h, w, MatType.CV_8UC1, _mask);
                    using var tinted = new Mat(image.Size(), image.Type(), color);
                    using var blended = new Mat();
                    Cv2.AddWeighted(image, 0.5, tinted, 0.5, 0, blended);
                    blended.CopyTo(image, maskMat);
                }
                var box = new Rect((int)d.Box.X1, (int)d.Box.Y1, Math.Max(1, (int)d.Box.Width), Math.Max(1, (int)d.Box.Height));
                Cv2.Rectangle(image, box, color, 1);
                Cv2.PutText(image, $"{manifest.Classes[d.ClassId]} {d.Score:0.00}", new Point(box.X, Math.Max(10, box.Y - 3)),
                    HersheyFonts.HersheySimplex, 0.35, color, 1, LineTypes.AntiAlias);
                if (d.Keypoints.IsDefaultOrEmpty || manifest.Keypoints is null) continue;
                // Scores are heatmap logits: > 0 means the keypoint is more likely there than not.
                foreach (var (a, b) in manifest.Keypoints.Skeleton)
                {
                    Keypoint ka = d.Keypoints[a - 1], kb = d.Keypoints[b - 1];
                    if (ka.Score > 0 && kb.Score > 0)
                        Cv2.Line(image, new Point((int)ka.X, (int)ka.Y), new Point((int)kb.X, (int)kb.Y), new Scalar(0, 255, 255), 1, LineTypes.AntiAlias);
                }
                foreach (var k in d.Keypoints)
                    if (k.Score > 0) Cv2.Circle(image, new Point((int)k.X, (int)k.Y), 2, new Scalar(0, 0, 255), -1);
            }
        }
    }
}
