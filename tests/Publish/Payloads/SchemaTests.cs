using System.Text.Json;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Publish.Tests.Payloads;

public sealed class SchemaTests
{
    private static readonly Guid Boot = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    [Fact]
    public void StatusAndEventPayloads_MatchTheirSchemas()
    {
        var time = TestFrames.Epoch.UtcDateTime;
        var camera = JsonSerializer.SerializeToUtf8Bytes(new CameraStatusMessage("door", "online", 12.5, "rtsp://user:***@cam/ timed out", "edge-1", time),
            PayloadJsonContext.Default.CameraStatusMessage);
        var service = JsonSerializer.SerializeToUtf8Bytes(new ServiceStatusMessage("edge-1", "offline", "connection_lost", Boot, "0.1.0", time),
            PayloadJsonContext.Default.ServiceStatusMessage);
        var trackEvent = JsonSerializer.SerializeToUtf8Bytes(new TrackEventMessage("door", "track_start", 3, 1, "person", 10, time, 2, Boot),
            PayloadJsonContext.Default.TrackEventMessage);

        Assert.Empty(JsonSchemaValidator.Load("camera-status.schema.json").Validate(camera));
        Assert.Empty(JsonSchemaValidator.Load("service-status.schema.json").Validate(service));
        Assert.Empty(JsonSchemaValidator.Load("track-event.schema.json").Validate(trackEvent));
        Assert.Contains("\"last_error\":\"rtsp://user:***@cam/ timed out\"", System.Text.Encoding.UTF8.GetString(camera));
        Assert.Contains("\"time\":\"2025-03-01T12:00:00Z\"", System.Text.Encoding.UTF8.GetString(service));
    }

    [Theory]
    [InlineData("""{"camera":"door","state":"online","fps":1,"instance_id":"e","time":"2025-03-01T12:00:00Z","reconnects":0,"extra":1}""", "property 'extra' is not allowed")]
    [InlineData("""{"camera":"door","state":"busy","fps":1,"instance_id":"e","time":"2025-03-01T12:00:00Z","reconnects":0}""", "is not one of")]
    [InlineData("""{"camera":"door","state":"online","fps":-1,"instance_id":"e","time":"2025-03-01T12:00:00Z","reconnects":0}""", "below the minimum")]
    [InlineData("""{"camera":"door","state":"online","fps":1,"instance_id":"e","time":"2025-03-01T12:00:00+01:00","reconnects":0}""", "does not match")]
    [InlineData("""{"camera":"door","state":"online","fps":"1","instance_id":"e","time":"2025-03-01T12:00:00Z","reconnects":0}""", "expected type")]
    [InlineData("""{"camera":"door","state":"online","fps":1,"time":"2025-03-01T12:00:00Z","reconnects":0}""", "missing required property 'instance_id'")]
    public void Validator_RejectsWhatTheSchemaForbids(string json, string expected)
    {
        var errors = JsonSchemaValidator.Load("camera-status.schema.json").Validate(JsonDocument.Parse(json).RootElement);

        Assert.Contains(errors, e => e.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Validator_ObjectsSchema_RejectsABadNestedObject()
    {
        const string json = """
            {"camera":"c","frame":1,"capture_time":"2025-03-01T12:00:00Z","pts":null,"width":4,"height":3,"latency_ms":1,
             "boot_id":"0f8fad5b-d9cb-469f-a165-70867728950e",
             "objects":[{"class_id":1,"class":"person","score":1.5,"bbox":[1,2,3],"track_id":0,"track_state":"tracked","age":1,
                         "keypoints":[[1,2]]}]}
            """;

        var errors = JsonSchemaValidator.Load("objects.schema.json").Validate(JsonDocument.Parse(json).RootElement);

        Assert.Contains(errors, e => e.StartsWith("$.objects[0].score:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.objects[0].bbox: 3 items", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.objects[0].track_id:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("$.objects[0].keypoints[0]: 2 items", StringComparison.Ordinal));
        Assert.Equal(4, errors.Count);
    }
}
