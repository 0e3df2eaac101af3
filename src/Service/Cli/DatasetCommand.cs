using System.CommandLine;
using System.Globalization;
using MaskStream.Ingest.Datasets;
using MaskStream.Ingest.Synthetic;

namespace MaskStream.Service.Cli;

/// <summary>
/// <c>maskstream dataset coco|mot</c>: training and evaluation data rendered from the synthetic
/// world, with exact ground truth. The same flags always give the same files.
/// </summary>
public static class DatasetCommand
{
    public static Command Create()
    {
        var cmd = new Command("dataset", "Render synthetic datasets with exact ground truth: COCO images or a MOTChallenge sequence.");
        cmd.Subcommands.Add(CreateCoco());
        cmd.Subcommands.Add(CreateMot());
        return cmd;
    }

    private static Command CreateCoco()
    {
        var output = new Option<string>("--out") { Description = "Output directory: images/NNNNNN.png and annotations.json are written there.", Required = true };
        var images = new Option<int>("--images") { Description = "Number of images (each a different scene and time).", DefaultValueFactory = _ => 100 };
        var seed = new Option<string>("--seed") { Description = "Dataset seed (0 to 2^64-1); every scene is derived from it.", DefaultValueFactory = _ => "1" };
        var size = new Option<string>("--size") { Description = "Image size WxH, 32 ≤ W,H ≤ 4096.", DefaultValueFactory = _ => "640x480" };
        var people = new Option<double?>("--people") { Description = "Average people per image (0 to 64); default: drawn per image between 1 and 10." };
        var minArea = new Option<int>("--min-area") { Description = "Objects with fewer visible pixels are not annotated.", DefaultValueFactory = _ => 64 };
        var cmd = new Command("coco", "COCO instances with person keypoints: images/*.png and annotations.json (RLE masks, boxes, keypoints).");
        foreach (var o in new Option[] { output, images, seed, size, people, minArea }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) =>
        {
            int count = r.GetValue(images);
            if (count < 1) throw new CliException($"--images {count}: expected an integer ≥ 1");
            int min = r.GetValue(minArea);
            if (min < 1) throw new CliException($"--min-area {min}: expected an integer ≥ 1");
            double? p = r.GetValue(people);
            if (p is < 0 or > 64) throw new CliException($"--people {p}: expected a number with 0 ≤ people ≤ 64");
            var (w, h) = ParseSize(r.GetValue(size)!);
            string dir = r.GetValue(output)!;
            var summary = Run(() => CocoDatasetWriter.Write(new CocoDatasetOptions
            {
                OutputDirectory = dir, Images = count, Seed = ParseSeed(r.GetValue(seed)!), Width = w, Height = h, People = p,
                MinVisibleArea = min,
            }, ct), dir);
            Console.WriteLine($"wrote {summary.Items} images to {Path.Combine(dir, "images")} and {Path.Combine(dir, "annotations.json")}");
            PrintSummary(summary, "annotations");
            Console.WriteLine($"skipped {summary.SkippedTiny} objects with 1..{min - 1} visible pixels");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command CreateMot()
    {
        var output = new Option<string>("--out") { Description = "Output directory: video.mp4, gt.txt, gt.jsonl and seqinfo.ini are written there.", Required = true };
        var frames = new Option<int>("--frames") { Description = "Number of frames.", DefaultValueFactory = _ => 300 };
        var seed = new Option<string>("--seed") { Description = "Scene seed (0 to 2^64-1).", DefaultValueFactory = _ => "1" };
        var size = new Option<string>("--size") { Description = "Frame size WxH, even, 32 ≤ W,H ≤ 4096.", DefaultValueFactory = _ => "640x480" };
        var fps = new Option<double>("--fps") { Description = "Frame rate (1 to 240).", DefaultValueFactory = _ => 30 };
        var people = new Option<double>("--people") { Description = "Average number of people in view (0 to 64).", DefaultValueFactory = _ => 6 };
        var cmd = new Command("mot", "A tracking sequence: video.mp4 (mp4v) and gt.txt (MOTChallenge: frame,id,x,y,w,h,1,class,visibility; frames from 1), plus gt.jsonl with masks and keypoints.");
        foreach (var o in new Option[] { output, frames, seed, size, fps, people }) cmd.Options.Add(o);
        cmd.SetAction((r, ct) =>
        {
            int count = r.GetValue(frames);
            if (count < 1) throw new CliException($"--frames {count}: expected an integer ≥ 1");
            double rate = r.GetValue(fps);
            if (!(rate >= 1 && rate <= 240)) throw new CliException($"--fps {rate}: expected a number with 1 ≤ fps ≤ 240");
            double p = r.GetValue(people);
            if (!(p >= 0 && p <= 64)) throw new CliException($"--people {p}: expected a number with 0 ≤ people ≤ 64");
            var (w, h) = ParseSize(r.GetValue(size)!);
            // MPEG-4 video stores 4:2:0 chroma, which needs even dimensions.
            if (w % 2 != 0 || h % 2 != 0) throw new CliException($"--size '{w}x{h}': expected even W and H for the mp4v video");
            string dir = r.GetValue(output)!;
            var summary = Run(() => MotDatasetWriter.Write(new MotDatasetOptions
            {
                OutputDirectory = dir, Frames = count, Seed = ParseSeed(r.GetValue(seed)!), Width = w, Height = h, Fps = rate, People = p,
            }, ct), dir);
            Console.WriteLine($"wrote {summary.Items} frames to {Path.Combine(dir, "video.mp4")}, gt.txt and gt.jsonl");
            PrintSummary(summary, "rows");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static DatasetSummary Run(Func<DatasetSummary> write, string dir)
    {
        try
        {
            return write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException($"--out '{dir}': {e.Message}", e);
        }
    }

    private static void PrintSummary(DatasetSummary summary, string what)
    {
        string perClass = string.Join(", ", summary.AnnotationsPerClass.Select(kv => $"{kv.Key} {kv.Value}"));
        Console.WriteLine($"{what}: {summary.AnnotationsPerClass.Values.Sum()} ({perClass})");
        Console.WriteLine($"time: {summary.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s");
    }

    internal static (int Width, int Height) ParseSize(string value)
    {
        try
        {
            if (value.Contains('&')) throw new FormatException();
            var o = SyntheticSceneOptions.Parse($"{SyntheticSceneOptions.Scheme}{SyntheticSceneOptions.DefaultScene}?size={value}");
            return (o.Width, o.Height);
        }
        catch (FormatException)
        {
            throw new CliException($"--size '{value}': expected WxH with {SyntheticSceneOptions.MinSize} ≤ W,H ≤ {SyntheticSceneOptions.MaxSize}");
        }
    }

    internal static ulong ParseSeed(string value) =>
        ulong.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out ulong seed)
            ? seed
            : throw new CliException($"--seed '{value}': expected an integer from 0 to 18446744073709551615");
}
