using System.Collections.Immutable;
using System.Text.Encodings.Web;
using System.Text.Json;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;

namespace MaskStream.Service.Cli;

/// <summary>
/// Lines of the offline JSONL contract (docs/DESIGN.md, Contracts): <c>detect</c> writes detections, <c>track</c>
/// the same objects plus <c>track_id</c>, <c>track_state</c> and <c>age</c>, named as in the MQTT payload.
/// </summary>
internal static class ResultJson
{
    // Relaxed escaping writes RLE counts as pycocotools and reference.py do (no \u003E for '>').
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    // Indexed by TrackState; the MQTT payload (src/Publish ObjectsEncoder) spells them the same way.
    private static readonly string[] StateNames = ["new", "tracked", "lost", "removed"];

    /// <summary>One <c>detect</c> line.</summary>
    /// <param name="index">Frame or image index from 0.</param>
    /// <param name="source">The image's file name; null for video frames.</param>
    public static string Detections(int index, string? source, DetectedFrame frame, IReadOnlyList<string> classes) =>
        Line(index, source, frame.Info, w =>
        {
            foreach (var d in frame.Detections)
            {
                w.WriteStartObject();
                WriteDetection(w, d, classes);
                w.WriteEndObject();
            }
        });

    /// <summary>One <c>track</c> line: the frame's tracked objects, in track-id order.</summary>
    /// <param name="index">Frame index from 0, as in <c>detect</c> (the MOTChallenge rows count from 1).</param>
    public static string Tracks(int index, FrameInfo info, ImmutableArray<TrackedObject> objects, IReadOnlyList<string> classes) =>
        Line(index, null, info, w =>
        {
            foreach (var o in objects)
            {
                w.WriteStartObject();
                w.WriteNumber("track_id", o.TrackId);
                w.WriteString("track_state", StateNames[(int)o.State]);
                w.WriteNumber("age", o.Age);
                WriteDetection(w, o.Detection, classes);
                w.WriteEndObject();
            }
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

    private static void WriteDetection(Utf8JsonWriter w, Detection d, IReadOnlyList<string> classes)
    {
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
    }
}
