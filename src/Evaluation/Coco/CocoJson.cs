using System.Text.Json;

namespace MaskStream.Evaluation.Coco;

/// <summary>
/// Reads COCO ground truth, COCO results lists and the JSONL that <c>maskstream detect</c> writes.
/// Every error is an <see cref="EvaluationInputException"/> naming the file, the entry (or line) and the field.
/// </summary>
public static class CocoJson
{
    public static CocoGroundTruth ReadGroundTruthFile(string path)
    {
        using var doc = ParseFile(path);
        return ReadGroundTruth(doc.RootElement, Path.GetFileName(path));
    }

    /// <summary>
    /// Detections from either a COCO results file (a JSON array) or <c>maskstream detect</c> JSONL
    /// (one object per line); which one is decided by the first non-blank character. <paramref name="boxScores"/>: rank
    /// the JSONL's masks and poses by the box score even where it has their own (see <see cref="DetectJsonl"/>).
    /// </summary>
    public static List<CocoResult> ReadDetectionsFile(string path, CocoGroundTruth groundTruth, CocoIouType iouType, bool boxScores = false)
    {
        string text = ReadAllText(path);
        string name = Path.GetFileName(path);
        string trimmed = text.TrimStart();
        if (trimmed.StartsWith('['))
        {
            using var doc = Parse(text, name);
            var results = ReadResults(doc.RootElement, name);
            CheckIds(results, groundTruth, name);
            return results;
        }
        if (trimmed.StartsWith('{'))
            return DetectJsonl.Read(text, name, groundTruth, iouType, boxScores);
        throw new EvaluationInputException($"{name}: expected a JSON array of COCO results or JSONL objects from 'maskstream detect'.");
    }

    public static CocoGroundTruth ReadGroundTruth(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
            throw new EvaluationInputException($"{source}: the ground truth must be a JSON object with 'images', 'annotations' and 'categories'.");
        var images = new List<CocoImage>();
        foreach (var (el, i) in Array(root, "images", source))
        {
            string ctx = $"{source}: images[{i}]";
            images.Add(new CocoImage(Id(el, "id", ctx), Int(el, "width", ctx), Int(el, "height", ctx),
                el.TryGetProperty("file_name", out var fn) && fn.ValueKind == JsonValueKind.String ? fn.GetString() : null));
        }
        var categories = new List<CocoCategory>();
        foreach (var (el, i) in Array(root, "categories", source))
        {
            string ctx = $"{source}: categories[{i}]";
            categories.Add(new CocoCategory(Id(el, "id", ctx),
                el.TryGetProperty("name", out var nm) && nm.ValueKind == JsonValueKind.String ? nm.GetString()! : "",
                el.TryGetProperty("keypoints", out var kn) && kn.ValueKind == JsonValueKind.Array && kn.GetArrayLength() > 0));
        }
        var imageIds = images.Select(im => im.Id).ToHashSet();
        var categoryIds = categories.Select(c => c.Id).ToHashSet();
        var annotations = new List<CocoAnnotation>();
        foreach (var (el, i) in Array(root, "annotations", source))
        {
            string ctx = $"{source}: annotations[{i}]";
            long id = Id(el, "id", ctx);
            if (id == 0)
                throw new EvaluationInputException($"{ctx}: field 'id' is 0; pycocotools reserves 0 for 'unmatched', use ids >= 1.");
            long imageId = Id(el, "image_id", ctx);
            if (!imageIds.Contains(imageId))
                throw new EvaluationInputException($"{ctx}: field 'image_id' = {imageId} is not in 'images'.");
            long categoryId = Id(el, "category_id", ctx);
            if (!categoryIds.Contains(categoryId))
                throw new EvaluationInputException($"{ctx}: field 'category_id' = {categoryId} is not in 'categories'.");
            double[]? keypoints = el.TryGetProperty("keypoints", out var kp) ? Numbers(kp, "keypoints", ctx) : null;
            annotations.Add(new CocoAnnotation
            {
                Id = id,
                ImageId = imageId,
                CategoryId = categoryId,
                IsCrowd = el.TryGetProperty("iscrowd", out var crowd) && Number(crowd, "iscrowd", ctx) != 0,
                Area = Number(Required(el, "area", ctx), "area", ctx),
                Bbox = el.TryGetProperty("bbox", out var bb) ? Box(bb, "bbox", ctx) : default,
                Segmentation = el.TryGetProperty("segmentation", out var seg) ? Segmentation(seg, ctx) : null,
                Keypoints = keypoints,
                NumKeypoints = el.TryGetProperty("num_keypoints", out var nk) ? (int)Number(nk, "num_keypoints", ctx) : 0,
            });
        }
        return new CocoGroundTruth(images, categories, annotations);
    }

    /// <summary>A COCO results list as <c>loadRes</c> takes it: image_id, category_id, score and bbox/segmentation/keypoints.</summary>
    public static List<CocoResult> ReadResults(JsonElement array, string source)
    {
        if (array.ValueKind != JsonValueKind.Array)
            throw new EvaluationInputException($"{source}: COCO results must be a JSON array of objects.");
        var results = new List<CocoResult>();
        int i = 0;
        foreach (var el in array.EnumerateArray())
        {
            string ctx = $"{source}: entry {i}";
            if (el.ValueKind != JsonValueKind.Object)
                throw new EvaluationInputException($"{ctx}: must be an object.");
            CocoBox? box = null;
            if (el.TryGetProperty("bbox", out var bb) && !(bb.ValueKind == JsonValueKind.Array && bb.GetArrayLength() == 0))
                box = Box(bb, "bbox", ctx);
            results.Add(new CocoResult
            {
                ImageId = Id(el, "image_id", ctx),
                CategoryId = Id(el, "category_id", ctx),
                Score = Number(Required(el, "score", ctx), "score", ctx),
                Bbox = box,
                Segmentation = el.TryGetProperty("segmentation", out var seg) ? Segmentation(seg, ctx) : null,
                Keypoints = el.TryGetProperty("keypoints", out var kp) ? Numbers(kp, "keypoints", ctx) : null,
            });
            i++;
        }
        return results;
    }

    /// <summary>
    /// Unknown image or category ids are an error here (pycocotools asserts on unknown images and
    /// silently drops unknown categories; a silent drop hides a class-id mapping mistake).
    /// </summary>
    public static void CheckIds(IReadOnlyList<CocoResult> results, CocoGroundTruth groundTruth, string source)
    {
        var imageIds = groundTruth.Images.Select(im => im.Id).ToHashSet();
        var categoryIds = groundTruth.Categories.Select(c => c.Id).ToHashSet();
        for (int i = 0; i < results.Count; i++)
        {
            if (!imageIds.Contains(results[i].ImageId))
                throw new EvaluationInputException($"{source}: entry {i}: field 'image_id' = {results[i].ImageId} is not an image id of the ground truth.");
            if (!categoryIds.Contains(results[i].CategoryId))
                throw new EvaluationInputException($"{source}: entry {i}: field 'category_id' = {results[i].CategoryId} is not a category id of the ground truth.");
        }
    }

    internal static JsonDocument ParseFile(string path) => Parse(ReadAllText(path), Path.GetFileName(path));

    internal static string ReadAllText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new EvaluationInputException($"{path}: cannot be read: {e.Message}", e);
        }
    }

    internal static JsonDocument Parse(string text, string source, int? line = null)
    {
        try
        {
            return JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (JsonException e)
        {
            long lineNumber = line ?? (e.LineNumber ?? 0) + 1;
            throw new EvaluationInputException(
                $"{source}: line {lineNumber}: malformed JSON at byte {(e.BytePositionInLine ?? 0) + 1}: {FirstSentence(e.Message)}", e);
        }
    }

    private static string FirstSentence(string message)
    {
        int cut = message.IndexOf(" Path:", StringComparison.Ordinal);
        return cut > 0 ? message[..cut] : message;
    }

    private static IEnumerable<(JsonElement El, int Index)> Array(JsonElement root, string field, string source)
    {
        if (!root.TryGetProperty(field, out var arr))
            throw new EvaluationInputException($"{source}: field '{field}' is missing.");
        if (arr.ValueKind != JsonValueKind.Array)
            throw new EvaluationInputException($"{source}: field '{field}' must be an array.");
        int i = 0;
        foreach (var el in arr.EnumerateArray())
        {
            if (el.ValueKind != JsonValueKind.Object)
                throw new EvaluationInputException($"{source}: {field}[{i}] must be an object.");
            yield return (el, i++);
        }
    }

    internal static JsonElement Required(JsonElement el, string field, string ctx) =>
        el.TryGetProperty(field, out var v) ? v : throw new EvaluationInputException($"{ctx}: field '{field}' is missing.");

    internal static double Number(JsonElement v, string field, string ctx) =>
        v.ValueKind == JsonValueKind.Number ? v.GetDouble()
        : v.ValueKind is JsonValueKind.True or JsonValueKind.False && field == "iscrowd" ? (v.GetBoolean() ? 1 : 0)
        : throw new EvaluationInputException($"{ctx}: field '{field}' must be a number, got {Describe(v)}.");

    internal static long Id(JsonElement el, string field, string ctx)
    {
        double d = Number(Required(el, field, ctx), field, ctx);
        if (d != Math.Floor(d) || Math.Abs(d) > 1e15)
            throw new EvaluationInputException($"{ctx}: field '{field}' must be an integer, got {d}.");
        return (long)d;
    }

    private static int Int(JsonElement el, string field, string ctx)
    {
        double d = Number(Required(el, field, ctx), field, ctx);
        if (d != Math.Floor(d) || d < 0 || d > int.MaxValue)
            throw new EvaluationInputException($"{ctx}: field '{field}' must be a non-negative integer, got {d}.");
        return (int)d;
    }

    internal static double[] Numbers(JsonElement v, string field, string ctx)
    {
        if (v.ValueKind != JsonValueKind.Array)
            throw new EvaluationInputException($"{ctx}: field '{field}' must be an array of numbers, got {Describe(v)}.");
        var values = new double[v.GetArrayLength()];
        int i = 0;
        foreach (var x in v.EnumerateArray())
        {
            if (x.ValueKind != JsonValueKind.Number)
                throw new EvaluationInputException($"{ctx}: field '{field}'[{i}] must be a number, got {Describe(x)}.");
            values[i++] = x.GetDouble();
        }
        return values;
    }

    internal static CocoBox Box(JsonElement v, string field, string ctx)
    {
        var b = Numbers(v, field, ctx);
        if (b.Length != 4)
            throw new EvaluationInputException($"{ctx}: field '{field}' must have 4 numbers [x, y, w, h], got {b.Length}.");
        return new CocoBox(b[0], b[1], b[2], b[3]);
    }

    internal static CocoSegmentation Segmentation(JsonElement v, string ctx)
    {
        if (v.ValueKind == JsonValueKind.Array)
        {
            var parts = new List<double[]>();
            int i = 0;
            foreach (var part in v.EnumerateArray())
                parts.Add(Numbers(part, $"segmentation[{i++}]", ctx));
            return new CocoSegmentation.Polygons(parts);
        }
        if (v.ValueKind != JsonValueKind.Object)
            throw new EvaluationInputException($"{ctx}: field 'segmentation' must be a polygon list or an RLE object, got {Describe(v)}.");
        var size = Numbers(Required(v, "size", ctx + ": segmentation"), "segmentation.size", ctx);
        if (size.Length != 2 || size[0] < 0 || size[1] < 0 || size[0] != Math.Floor(size[0]) || size[1] != Math.Floor(size[1]))
            throw new EvaluationInputException($"{ctx}: field 'segmentation.size' must be [height, width].");
        int h = (int)size[0], w = (int)size[1];
        var counts = Required(v, "counts", ctx + ": segmentation");
        if (counts.ValueKind == JsonValueKind.String)
            return new CocoSegmentation.CompressedRle(h, w, counts.GetString()!);
        var runs = Numbers(counts, "segmentation.counts", ctx);
        var u = new uint[runs.Length];
        for (int i = 0; i < runs.Length; i++)
        {
            if (runs[i] < 0 || runs[i] != Math.Floor(runs[i]) || runs[i] > uint.MaxValue)
                throw new EvaluationInputException($"{ctx}: field 'segmentation.counts'[{i}] must be a non-negative integer run length.");
            u[i] = (uint)runs[i];
        }
        return new CocoSegmentation.UncompressedRle(h, w, u);
    }

    internal static string Describe(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"\"{v.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        _ => v.GetRawText(),
    };
}
