using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MaskStream.Core.Objects;
using MaskStream.Ingest.Synthetic;
using OpenCvSharp;

namespace MaskStream.Ingest.Datasets;

/// <summary>Settings of a synthetic tracking sequence.</summary>
public sealed record MotDatasetOptions
{
    public required string OutputDirectory { get; init; }
    public required int Frames { get; init; }
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 480;
    public double Fps { get; init; } = 30;

    /// <summary>Average number of people in view.</summary>
    public double People { get; init; } = 6;

    /// <summary>
    /// The smallest visible area (pixels) of an object that trackers are scored on, the same as <c>dataset coco</c>'s
    /// default <c>--min-area</c> below which the detector's training data does not annotate objects. Smaller ones (a
    /// sliver behind a pillar, a foot at the frame's edge) are written with consider flag 0, which <c>eval mot</c>
    /// ignores as MOTChallenge ignores its distractors.
    /// </summary>
    public const int DefaultMinArea = 64;

    /// <summary>Visible pixels below which an object's row gets consider flag 0; see <see cref="DefaultMinArea"/>.</summary>
    public int MinArea { get; init; } = DefaultMinArea;

    /// <summary>Static occluders; at least a few, so that tracks are interrupted by pillars and trees.</summary>
    public int Occluders { get; init; } = 4;

    /// <summary>The scene the sequence shows (frames 0..Frames-1 of it).</summary>
    public SyntheticSceneOptions Scene => new()
    {
        Seed = Seed, Width = Width, Height = Height, Fps = Fps, People = People, Occluders = Occluders, Live = false, Frames = Frames,
    };
}

/// <summary>
/// Writes one synthetic sequence: <c>video.mp4</c> (MPEG-4 Part 2, FourCC mp4v: OpenCvSharp's
/// bundled FFmpeg has no H.264 encoder), <c>gt.txt</c> in MOTChallenge form
/// <c>frame,id,x,y,w,h,consider,class,visibility</c> (frames from 1; boxes are the visible mask's extent
/// in 0-based pixels, as the masks use; objects with nothing visible are left out; consider is 0 for objects
/// with fewer than <see cref="MotDatasetOptions.MinArea"/> visible pixels, to be ignored in scoring, else 1),
/// <c>gt.jsonl</c> (one line per frame with each object's COCO RLE mask and keypoints) and
/// <c>seqinfo.ini</c> as MOTChallenge sequences carry it.
/// </summary>
public static class MotDatasetWriter
{
    // RLE strings hold '<', '>' and backslashes, which the default encoder would write as \u003C etc.: valid, but unreadable.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static DatasetSummary Write(MotDatasetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Frames, 1);
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.OutputDirectory);
        var sceneOptions = options.Scene;
        using var scene = new SyntheticScene(sceneOptions);
        string videoPath = Path.Combine(options.OutputDirectory, "video.mp4");
        using var video = new VideoWriter(videoPath, FourCC.FromFourChars('m', 'p', '4', 'v'), options.Fps, new Size(options.Width, options.Height));
        if (!video.IsOpened())
            throw new IOException($"Could not open {videoPath} for writing with the mp4v encoder ({options.Width}x{options.Height}).");
        using var gt = new StreamWriter(Path.Combine(options.OutputDirectory, "gt.txt"), false, new UTF8Encoding(false));
        using var jsonl = new FileStream(Path.Combine(options.OutputDirectory, "gt.jsonl"), FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var json = new Utf8JsonWriter(jsonl, JsonOptions);
        var perClass = new Dictionary<string, int>();
        foreach (int classId in SyntheticClasses.Ids) perClass[SyntheticClasses.Names[classId]] = 0;
        var bgr = new byte[scene.FrameBytes];
        using var mat = Mat.FromPixelData(options.Height, options.Width, MatType.CV_8UC3, bgr);
        var ci = CultureInfo.InvariantCulture;
        for (int n = 0; n < options.Frames; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var truth = scene.RenderWithGroundTruth(n, bgr);
            video.Write(mat);
            int frame = n + 1;
            json.Reset();
            json.WriteStartObject();
            json.WriteNumber("frame", frame);
            json.WriteStartArray("objects");
            foreach (var o in truth.Objects)
            {
                if (o.Area == 0) continue;
                var (x, y, w, h) = o.Mask.ToBbox();
                int consider = o.Area >= options.MinArea ? 1 : 0;
                gt.Write(string.Create(ci, $"{frame},{o.TrackId},{x},{y},{w},{h},{consider},{o.ClassId},{o.Visibility:0.####}\n"));
                perClass[o.ClassName]++;
                WriteObject(json, o, x, y, w, h);
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.Flush();
            jsonl.WriteByte((byte)'\n');
        }
        File.WriteAllText(Path.Combine(options.OutputDirectory, "seqinfo.ini"), string.Create(ci,
            $"[Sequence]\nname=synthetic-{options.Seed}\nimDir=video.mp4\nframeRate={options.Fps}\nseqLength={options.Frames}\nimWidth={options.Width}\nimHeight={options.Height}\nimExt=.mp4\nscene={sceneOptions.ToUri()}\n"));
        return new DatasetSummary(options.Frames, perClass, 0, clock.Elapsed);
    }

    private static void WriteObject(Utf8JsonWriter json, GroundTruthObject o, double x, double y, double w, double h)
    {
        json.WriteStartObject();
        json.WriteNumber("id", o.TrackId);
        json.WriteNumber("class_id", o.ClassId);
        json.WriteString("class", o.ClassName);
        json.WriteStartArray("bbox");
        json.WriteNumberValue(x);
        json.WriteNumberValue(y);
        json.WriteNumberValue(w);
        json.WriteNumberValue(h);
        json.WriteEndArray();
        json.WriteNumber("area", o.Area);
        json.WriteNumber("visibility", Math.Round(o.Visibility, 4));
        json.WriteStartObject("mask");
        json.WriteStartArray("size");
        json.WriteNumberValue(o.Mask.Height);
        json.WriteNumberValue(o.Mask.Width);
        json.WriteEndArray();
        json.WriteString("counts", o.Mask.ToCompressedString());
        json.WriteEndObject();
        if (!o.Keypoints.IsEmpty)
        {
            json.WriteStartArray("keypoints");
            foreach (var k in o.Keypoints)
            {
                json.WriteStartArray();
                json.WriteNumberValue(k.X);
                json.WriteNumberValue(k.Y);
                json.WriteNumberValue((int)k.Visibility);
                json.WriteEndArray();
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
