using System.Text.Json.Serialization;

namespace MaskStream.Publish.Payloads;

/// <summary>Source-generated (reflection-free) JSON for every payload, in the snake_case of the
/// <c>maskstream detect</c> JSONL contract (<c>class_id</c>, <c>bbox</c>, <c>mask</c>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(ObjectsMessage))]
[JsonSerializable(typeof(CameraStatusMessage))]
[JsonSerializable(typeof(ServiceStatusMessage))]
[JsonSerializable(typeof(TrackEventMessage))]
public sealed partial class PayloadJsonContext : JsonSerializerContext;
