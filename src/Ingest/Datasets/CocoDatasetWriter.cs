using System.Buffers;
using System.Diagnostics;
using System.Text.Encodings.Web;
using System.Text.Json;
using MaskStream.Core.Objects;
using MaskStream.Ingest.Synthetic;
using OpenCvSharp;

namespace MaskStream.Ingest.Datasets;

/// <summary>Settings of a synthetic COCO dataset.</summary>
public sealed record CocoDatasetOptions
{
    public required string OutputDirectory { get; init; }
    public required int Images { get; init; }
    public ulong Seed { get; init; } = 1;
    public int Width { get; init; } = 640;
    public int Height { get; init; } = 480;

    /// <summary>Average number of people per image; null = drawn per image between 1 and 10.</summary>
    public double? People { get; init; }

    /// <summary>
    /// Objects with fewer visible pixels are not annotated: 64 px (an 8×8 patch) is below what a
    /// detector at stride 4 can localise, and COCO itself rarely annotates objects that small.
    /// </summary>
    public int MinVisibleArea { get; init; } = 64;

    /// <summary>Images rendered at once; each worker renders its own scenes.</summary>
    public int Parallelism { get; init; } = Environment.ProcessorCount;
}

/// <summary>
/// Writes <c>images/NNNNNN.png</c> and <c>annotations.json</c> (COCO instances with person
/// keypoints). Every image is a different scene (its own seed, crowd, occluders, noise) at a
/// different time of day, all derived from the dataset seed, so the same options give the same
/// files. Masks are COCO compressed RLE of the visible pixels; bbox is the mask's extent and area
/// its pixel count, as pycocotools computes them.
/// </summary>
public static class CocoDatasetWriter
{
    // RLE strings hold '<', '>' and backslashes, which the default encoder would write as \u003C etc.: valid, but unreadable.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private sealed record ImageResult(int Index, string FileName, string SceneUri, long Frame, GroundTruthObject[] Objects, int Skipped);

    /// <summary>The scene and frame that image <paramref name="index"/> of a dataset shows: a pure function of the options and index.</summary>
    public static (SyntheticSceneOptions Scene, long Frame) SceneFor(CocoDatasetOptions options, int index)
    {
        var rng = new SplitMix64(SplitMix64.Mix(options.Seed, 0x434F434FL, index));
        var scene = new SyntheticSceneOptions
        {
            Seed = rng.NextUInt64(),
            Width = options.Width,
            Height = options.Height,
            People = options.People ?? rng.Range(1, 10),
            Cars = rng.Range(0, 1.5),
            Dogs = rng.Range(0, 1.5),
            Occluders = rng.Next(0, 6),
            Noise = rng.Next(1, 5),
            Live = false,
        };
        // Any time in the first ten minutes: lighting and crowd differ from image to image.
        return (scene, (long)(rng.NextDouble() * 600 * scene.Fps));
    }

    public static DatasetSummary Write(CocoDatasetOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Images, 1);
        var clock = Stopwatch.StartNew();
        string imageDir = Path.Combine(options.OutputDirectory, "images");
        Directory.CreateDirectory(imageDir);
        var results = new ImageResult[options.Images];
        Parallel.For(0, options.Images,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, options.Parallelism), CancellationToken = cancellationToken },
            i => results[i] = RenderImage(options, imageDir, i));

        var perClass = new Dictionary<string, int>();
        foreach (int classId in SyntheticClasses.Ids) perClass[SyntheticClasses.Names[classId]] = 0;
        int skipped = 0;
        string jsonPath = Path.Combine(options.OutputDirectory, "annotations.json");
        using (var stream = new FileStream(jsonPath, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
        using (var json = new Utf8JsonWriter(stream, JsonOptions))
        {
            json.WriteStartObject();
            WriteInfo(json, options);
            json.WriteStartArray("images");
            foreach (var r in results)
            {
                json.WriteStartObject();
                json.WriteNumber("id", r.Index + 1);
                json.WriteString("file_name", r.FileName);
                json.WriteNumber("width", options.Width);
                json.WriteNumber("height", options.Height);
                json.WriteString("scene", r.SceneUri);
                json.WriteNumber("frame", r.Frame);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("annotations");
            int id = 1;
            foreach (var r in results)
            {
                skipped += r.Skipped;
                foreach (var o in r.Objects)
                {
                    WriteAnnotation(json, id++, r.Index + 1, o);
                    perClass[o.ClassName]++;
                }
            }
            json.WriteEndArray();
            WriteCategories(json);
            json.WriteEndObject();
        }
        return new DatasetSummary(options.Images, perClass, skipped, clock.Elapsed);
    }

    private static ImageResult RenderImage(CocoDatasetOptions options, string imageDir, int index)
    {
        var (sceneOptions, frame) = SceneFor(options, index);
        using var scene = new SyntheticScene(sceneOptions);
        byte[] bgr = ArrayPool<byte>.Shared.Rent(scene.FrameBytes);
        try
        {
            var truth = scene.RenderWithGroundTruth(frame, bgr);
            string fileName = $"{index + 1:D6}.png";
            using (var mat = Mat.FromPixelData(options.Height, options.Width, MatType.CV_8UC3, bgr))
            {
                if (!Cv2.ImWrite(Path.Combine(imageDir, fileName), mat, [(int)ImwriteFlags.PngCompression, 1]))
                    throw new IOException($"Could not write {Path.Combine(imageDir, fileName)}.");
            }
            var kept = new List<GroundTruthObject>(truth.Objects.Length);
            int skipped = 0;
            foreach (var o in truth.Objects)
            {
                if (o.Area >= options.MinVisibleArea) kept.Add(o);
                else if (o.Area > 0) skipped++;
            }
            return new ImageResult(index, fileName, sceneOptions.ToUri(), frame, [.. kept], skipped);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bgr);
        }
    }

    private static void WriteInfo(Utf8JsonWriter json, CocoDatasetOptions options)
    {
        json.WriteStartObject("info");
        json.WriteString("description", "MaskStream synthetic walkers (maskstream dataset coco)");
        json.WriteNumber("seed", options.Seed);
        json.WriteNumber("min_visible_area", options.MinVisibleArea);
        json.WriteEndObject();
    }

    private static void WriteAnnotation(Utf8JsonWriter json, int id, int imageId, GroundTruthObject o)
    {
        json.WriteStartObject();
        json.WriteNumber("id", id);
        json.WriteNumber("image_id", imageId);
        json.WriteNumber("category_id", o.ClassId);
        json.WriteStartObject("segmentation");
        json.WriteStartArray("size");
        json.WriteNumberValue(o.Mask.Height);
        json.WriteNumberValue(o.Mask.Width);
        json.WriteEndArray();
        json.WriteString("counts", o.Mask.ToCompressedString());
        json.WriteEndObject();
        json.WriteNumber("area", o.Area);
        var (x, y, w, h) = o.Mask.ToBbox();
        json.WriteStartArray("bbox");
        json.WriteNumberValue(x);
        json.WriteNumberValue(y);
        json.WriteNumberValue(w);
        json.WriteNumberValue(h);
        json.WriteEndArray();
        json.WriteNumber("iscrowd", 0);
        json.WriteNumber("track_id", o.TrackId);
        json.WriteNumber("visibility", Math.Round(o.Visibility, 4));
        if (o.ClassId == SyntheticClasses.Person)
        {
            json.WriteStartArray("keypoints");
            foreach (var k in o.Keypoints)
            {
                bool labeled = k.Visibility != KeypointVisibility.NotLabeled;
                // COCO writes unlabelled keypoints as 0,0,0.
                json.WriteNumberValue(labeled ? k.X : 0);
                json.WriteNumberValue(labeled ? k.Y : 0);
                json.WriteNumberValue((int)k.Visibility);
            }
            json.WriteEndArray();
            json.WriteNumber("num_keypoints", o.LabeledKeypointCount);
        }
        json.WriteEndObject();
    }

    private static void WriteCategories(Utf8JsonWriter json)
    {
        json.WriteStartArray("categories");
        foreach (int id in SyntheticClasses.Ids)
        {
            json.WriteStartObject();
            json.WriteNumber("id", id);
            json.WriteString("name", SyntheticClasses.Names[id]);
            json.WriteString("supercategory", SyntheticClasses.Supercategories[id]);
            if (id == SyntheticClasses.Person)
            {
                json.WriteStartArray("keypoints");
                foreach (string name in CocoPersonKeypoints.Names) json.WriteStringValue(name);
                json.WriteEndArray();
                json.WriteStartArray("skeleton");
                foreach (var (a, b) in CocoPersonKeypoints.Skeleton)
                {
                    json.WriteStartArray();
                    json.WriteNumberValue(a);
                    json.WriteNumberValue(b);
                    json.WriteEndArray();
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
