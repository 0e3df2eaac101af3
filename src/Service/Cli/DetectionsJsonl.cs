using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Service.Cli;

/// <summary>
/// Reads back the JSON lines of <c>maskstream detect</c> (one frame per line, in frame order) as the detector's frames, so
/// that <c>track --detections</c> can track a video detected once, e.g. to compare trackers and their settings without
/// running the model again. Every malformed line stops the read with one message naming the file, the line and the field.
/// </summary>
internal static class DetectionsJsonl
{
    /// <summary>The frames of <paramref name="path"/>, lazily, numbered by their position in the file from 0.</summary>
    /// <param name="cameraId">The camera id the frames carry.</param>
    /// <param name="classes">Receives the class names the lines use, as they are read.</param>
    public static IEnumerable<DetectedFrame> Read(string path, string cameraId, ClassNames classes)
    {
        if (!File.Exists(path)) throw new CliException($"--detections {path}: no such file");
        int lineNumber = 0, index = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.Trim().Length == 0) continue;
            string where = $"--detections {path}: line {lineNumber}";
            JsonDocument doc;
            try
            {
                doc = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                throw new CliException($"{where}: not JSON ({e.Message})", e);
            }
            using (doc)
                yield return Frame(doc.RootElement, where, cameraId, index++, classes);
        }
    }

    private static DetectedFrame Frame(JsonElement frame, string where, string cameraId, int index, ClassNames classes)
    {
        if (frame.ValueKind != JsonValueKind.Object) throw new CliException($"{where}: expected a JSON object (a detect line)");
        int width = Int(Field(frame, "width", where), "width", where), height = Int(Field(frame, "height", where), "height", where);
        if (width <= 0 || height <= 0) throw new CliException($"{where}: width {width} and height {height} must be positive");
        var objects = Field(frame, "objects", where);
        if (objects.ValueKind != JsonValueKind.Array) throw new CliException($"{where}: field 'objects' must be an array");
        var detections = ImmutableArray.CreateBuilder<Detection>(objects.GetArrayLength());
        int j = 0;
        foreach (var obj in objects.EnumerateArray())
            detections.Add(Object(obj, $"{where}: objects[{j++}]", width, height, classes));
        var info = new FrameInfo(cameraId, index, DateTimeOffset.UnixEpoch, null, width, height);
        return new DetectedFrame(info, detections.MoveToImmutable());
    }

    private static Detection Object(JsonElement obj, string where, int width, int height, ClassNames classes)
    {
        int classId = Int(Field(obj, "class_id", where), "class_id", where);
        if (classId < 1) throw new CliException($"{where}: class_id {classId} must be at least 1 (0 is the background)");
        if (obj.TryGetProperty("class", out var name) && name.ValueKind == JsonValueKind.String)
            classes.Note(classId, name.GetString()!);
        float score = (float)Number(Field(obj, "score", where), "score", where);
        var b = Field(obj, "bbox", where);
        if (b.ValueKind != JsonValueKind.Array || b.GetArrayLength() != 4)
            throw new CliException($"{where}: field 'bbox' must be [x1, y1, x2, y2]");
        var box = new BoxF((float)Number(b[0], "bbox", where), (float)Number(b[1], "bbox", where),
            (float)Number(b[2], "bbox", where), (float)Number(b[3], "bbox", where));
        RleMask? mask = null;
        if (obj.TryGetProperty("mask", out var m) && m.ValueKind != JsonValueKind.Null)
        {
            var counts = Field(m, "counts", where + ".mask");
            if (counts.ValueKind != JsonValueKind.String) throw new CliException($"{where}: field 'mask.counts' must be a COCO RLE string");
            try
            {
                mask = RleMask.FromCompressedString(counts.GetString()!, height, width);
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                throw new CliException($"{where}: field 'mask.counts' is not a {width}x{height} COCO RLE ({e.Message})", e);
            }
        }
        var keypoints = ImmutableArray<Keypoint>.Empty;
        if (obj.TryGetProperty("keypoints", out var k) && k.ValueKind != JsonValueKind.Null)
        {
            if (k.ValueKind != JsonValueKind.Array) throw new CliException($"{where}: field 'keypoints' must be an array of [x, y, score]");
            var kb = ImmutableArray.CreateBuilder<Keypoint>(k.GetArrayLength());
            foreach (var p in k.EnumerateArray())
            {
                if (p.ValueKind != JsonValueKind.Array || p.GetArrayLength() != 3)
                    throw new CliException($"{where}: field 'keypoints' must be an array of [x, y, score]");
                kb.Add(new Keypoint((float)Number(p[0], "keypoints", where), (float)Number(p[1], "keypoints", where),
                    (float)Number(p[2], "keypoints", where)));
            }
            keypoints = kb.MoveToImmutable();
        }
        return new Detection(classId, score, box, mask, keypoints)
        {
            MaskScore = OptionalNumber(obj, "mask_score", where),
            KeypointScore = OptionalNumber(obj, "keypoint_score", where),
        };
    }

    private static JsonElement Field(JsonElement obj, string name, string where) =>
        obj.TryGetProperty(name, out var v) ? v : throw new CliException($"{where}: no field '{name}'");

    private static double Number(JsonElement v, string name, string where) =>
        v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw new CliException($"{where}: field '{name}' must hold numbers");

    private static float? OptionalNumber(JsonElement obj, string name, string where) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? (float)Number(v, name, where) : null;

    private static int Int(JsonElement v, string name, string where) =>
        v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out int i)
            ? i
            : throw new CliException(string.Create(CultureInfo.InvariantCulture, $"{where}: field '{name}' must be an integer"));
}

/// <summary>
/// The class names a detect JSONL file uses, by class id, as far as it has been read: a class can first appear on any
/// line, so <see cref="Version"/> counts the names learnt and tells a writer when to rebuild its name table.
/// </summary>
internal sealed class ClassNames
{
    private readonly List<string?> _names = [];

    public int Version { get; private set; }

    public void Note(int classId, string name)
    {
        while (_names.Count <= classId) _names.Add(null);
        if (_names[classId] is not null) return;
        _names[classId] = name;
        Version++;
    }

    /// <summary>The names by class id; ids never named (the background among them) are empty.</summary>
    public string[] ToArray() => _names.Select(n => n ?? "").ToArray();
}
