using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;
using MaskStream.Publish.Payloads;

namespace MaskStream.Service.Cli;

/// <summary>
/// Lines of the offline JSONL contract (docs/DESIGN.md, Contracts): <c>detect</c> writes detections, <c>track</c>
/// the same objects plus <c>track_id</c>, <c>track_state</c> and <c>age</c>. The objects are written by
/// <see cref="ObjectJson"/>, the same writer as the MQTT payload's.
/// </summary>
internal sealed class ResultJson(IReadOnlyList<string> classes)
{
    // Relaxed escaping writes RLE counts as pycocotools and reference.py do (no \u003E for '>').
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly JsonEncodedText[] _classNames = ObjectJson.EncodeClassNames(classes);

    /// <summary>One <c>detect</c> line.</summary>
    /// <param name="index">Frame or image index from 0.</param>
    /// <param name="source">The image's file name; null for video frames.</param>
    public string Detections(int index, string? source, DetectedFrame frame) =>
        Line(index, source, frame.Info, w =>
        {
            foreach (var d in frame.Detections)
                ObjectJson.WriteObject(w, d, _classNames);
        });

    /// <summary>One <c>track</c> line: the frame's tracked objects, in track-id order.</summary>
    /// <param name="index">Frame index from 0, as in <c>detect</c> (the MOTChallenge rows count from 1).</param>
    public string Tracks(int index, FrameInfo info, ImmutableArray<TrackedObject> objects) =>
        Line(index, null, info, w =>
        {
            foreach (var o in objects)
                ObjectJson.WriteObject(w, o.Detection, _classNames, o);
        });

    private static string Line(int index, string? source, FrameInfo info, Action<Utf8JsonWriter> writeObjects)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Options))
        {
            w.WriteStartObject();
            w.WriteNumber("frame", index);
            if (source is not null) w.WriteString("source", source);
            w.WriteNumber("width", info.Width);
            w.WriteNumber("height", info.Height);
            w.WriteStartArray("objects");
            writeObjects(w);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }
}
