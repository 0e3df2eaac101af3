using System.CommandLine;
using System.Diagnostics;
using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream detect</c>: the detector offline on a video, an image or a folder of images. Writes one JSON line per
/// frame or image (docs/DESIGN.md, Contracts) and, on request, annotated images or a video for people to look at.
/// </summary>
public static class DetectCommand
{
    public static Command Create()
    {
        var cmd = new Command("detect", "Run the detector on a video, an image or a folder of images; write JSON lines and optionally annotated output.");
        var detector = new DetectorArguments(cmd,
            "Drop detections scoring below this, before the mask and keypoint heads (0 keeps all the model keeps).");
        var input = new Option<string>("--input") { Description = $"A video file, an image file, or a folder of images ({FrameInput.ImageExtensionList}, in name order).", Required = true };
        var output = new Option<string>("--output") { Description = "JSONL file: one line per frame or image.", Required = true };
        var video = new Option<string?>("--video") { Description = "Also write an annotated MPEG-4 video (masks, boxes, class and score, skeletons) to this .mp4 file." };
        var images = new Option<string?>("--images") { Description = "Also write annotated images (one .jpg per frame or image) to this folder." };
        foreach (var o in new Option[] { input, output, video, images }) cmd.Options.Add(o);
        detector.AddTuningOptions(cmd);
        cmd.SetAction((r, ct) => Task.FromResult(Run(detector, r, r.GetValue(input)!, r.GetValue(output)!, r.GetValue(video), r.GetValue(images), ct)));
        return cmd;
    }

    private static int Run(DetectorArguments arguments, ParseResult r, string input, string output, string? video, string? images,
        CancellationToken ct)
    {
        var options = arguments.ReadOptions(r);
        var source = FrameInput.Open(input);
        using var detector = arguments.Load(r, options);
        if (images is not null) Directory.CreateDirectory(images);
        string? outDir = Path.GetDirectoryName(Path.GetFullPath(output));
        if (outDir is not null) Directory.CreateDirectory(outDir);
        using var jsonl = new StreamWriter(output);
        AnnotatedVideo? writer = null;
        var annotator = new Annotator(detector.Manifest);
        var results = new ResultJson(detector.Manifest.Classes);
        int count = 0, objects = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            foreach (var (index, name, mat) in source.Frames())
            {
                ct.ThrowIfCancellationRequested();
                using (mat)
                {
                    using var frame = FrameInput.ToFrame(mat, index, "detect");
                    var result = detector.Detect([frame])[0];
                    if (!result.IsSuccess) throw new CliException($"{name ?? input}{(name is null ? $" frame {index}" : "")}: {result.Error}");
                    var detected = result.Detected!;
                    jsonl.WriteLine(results.Detections(index, name, detected));
                    objects += detected.Detections.Length;
                    count++;
                    if (images is null && video is null) continue;
                    annotator.Draw(mat, detected);
                    if (images is not null)
                        Cv2.ImWrite(Path.Combine(images, (name is null ? $"{index:D6}" : Path.GetFileNameWithoutExtension(name)) + ".jpg"), mat);
                    if (video is not null)
                    {
                        writer ??= AnnotatedVideo.Open(video, mat.Size(), source.FrameRate ?? AnnotatedVideo.ImageFrameRate);
                        writer.Write(mat);
                    }
                }
            }
        }
        finally
        {
            writer?.Dispose();
        }
        double seconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine($"detect: {count} frames, {objects} objects -> {output} ({seconds:F1} s, {(count > 0 ? 1000 * seconds / count : 0):F1} ms/frame)");
        return 0;
    }
}
