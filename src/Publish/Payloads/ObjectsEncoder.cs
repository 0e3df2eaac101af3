using System.Buffers;
using System.Text.Json;
using MaskStream.Core.Objects;

namespace MaskStream.Publish.Payloads;

/// <summary>Writes <see cref="TrackedFrame"/>s as <see cref="ObjectsMessage"/> JSON straight from the Core records,
/// with pre-encoded property names and one reused buffer, so a frame costs its mask strings and the output copy.
/// Not thread-safe: one encoder per publishing loop.</summary>
public sealed class ObjectsEncoder
{
    private static readonly JsonEncodedText CameraName = JsonEncodedText.Encode("camera");
    private static readonly JsonEncodedText FrameName = JsonEncodedText.Encode("frame");
    private static readonly JsonEncodedText CaptureTimeName = JsonEncodedText.Encode("capture_time");
    private static readonly JsonEncodedText PtsName = JsonEncodedText.Encode("pts");
    private static readonly JsonEncodedText WidthName = JsonEncodedText.Encode("width");
    private static readonly JsonEncodedText HeightName = JsonEncodedText.Encode("height");
    private static readonly JsonEncodedText LatencyName = JsonEncodedText.Encode("latency_ms");
    private static readonly JsonEncodedText BootIdName = JsonEncodedText.Encode("boot_id");
    private static readonly JsonEncodedText ObjectsName = JsonEncodedText.Encode("objects");

    private readonly JsonEncodedText[] _classNames;
    private readonly ArrayBufferWriter<byte> _buffer = new(16 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly string _bootIdText;

    /// <param name="classNames">The model's classes indexed by class id (0 is background).</param>
    /// <param name="bootId">This process's boot id, written into every message.</param>
    public ObjectsEncoder(IReadOnlyList<string> classNames, Guid bootId)
    {
        _classNames = ObjectJson.EncodeClassNames(classNames);
        BootId = bootId;
        _bootIdText = bootId.ToString("D");
        _writer = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });
    }

    public Guid BootId { get; }

    /// <summary>Name of a class id, <c>class_{id}</c> when the model's list does not have it.</summary>
    public string ClassNameOf(int classId) => ObjectJson.ClassNameOf(_classNames, classId);

    /// <summary>Encodes one frame. The span is valid until the next call.</summary>
    /// <param name="publishTime">Now, for <c>latency_ms</c> (capture → publish).</param>
    public ReadOnlySpan<byte> Encode(TrackedFrame frame, DateTimeOffset publishTime)
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
        Write(_writer, frame, publishTime);
        _writer.Flush();
        return _buffer.WrittenSpan;
    }

    private void Write(Utf8JsonWriter w, TrackedFrame frame, DateTimeOffset publishTime)
    {
        var info = frame.Info;
        w.WriteStartObject();
        w.WriteString(CameraName, info.CameraId);
        w.WriteNumber(FrameName, info.FrameNumber);
        // DateTime of kind Utc is written with a trailing Z; a DateTimeOffset would be "+00:00".
        w.WriteString(CaptureTimeName, info.CaptureTime.UtcDateTime);
        if (info.Pts is { } pts)
            w.WriteNumber(PtsName, pts.TotalSeconds);
        else
            w.WriteNull(PtsName);
        w.WriteNumber(WidthName, info.Width);
        w.WriteNumber(HeightName, info.Height);
        w.WriteNumber(LatencyName, Math.Round((publishTime - info.CaptureTime).TotalMilliseconds, 3));
        w.WriteString(BootIdName, _bootIdText);
        w.WriteStartArray(ObjectsName);
        foreach (var obj in frame.Objects)
            ObjectJson.WriteObject(w, obj.Detection, _classNames, obj);
        w.WriteEndArray();
        w.WriteEndObject();
    }
}
