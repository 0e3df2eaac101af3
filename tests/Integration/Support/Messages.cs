using System.Text.Json;

namespace MaskStream.Integration.Tests.Support;

/// <summary>What a consumer does with the service's messages: check each against its docs/schema file and read the
/// objects messages back.</summary>
internal static class Messages
{
    /// <summary>Every message on a MaskStream topic validated against the schema docs/MQTT.md gives its topic; a message
    /// on another topic, or one that breaks its schema, fails with the topic, the problems and the payload.</summary>
    public static void AssertAllValid(IEnumerable<(string Topic, string Payload)> messages)
    {
        var validators = new Dictionary<string, JsonSchemaValidator>();
        foreach (var (topic, payload) in messages)
        {
            var name = JsonSchemaValidator.SchemaForTopic(topic) ?? throw new Xunit.Sdk.XunitException($"message on an unknown topic {topic}: {payload}");
            if (!validators.TryGetValue(name, out var validator))
                validators[name] = validator = JsonSchemaValidator.Load(name);
            using var doc = JsonDocument.Parse(payload);
            var errors = validator.Validate(doc.RootElement);
            Assert.True(errors.Count == 0, $"{topic} against {name}: {string.Join("; ", errors)}\n{payload}");
        }
    }

    public static List<JsonElement> Parse(IEnumerable<string> payloads) =>
        payloads.Select(p => JsonDocument.Parse(p).RootElement.Clone()).ToList();

    /// <summary>Objects messages after dropping the redeliveries docs/MQTT.md allows: the first of each
    /// (camera, frame, boot id), in arrival order.</summary>
    public static List<JsonElement> FirstArrivals(IEnumerable<JsonElement> objects)
    {
        var seen = new HashSet<(string, long, string)>();
        var first = new List<JsonElement>();
        foreach (var m in objects)
        {
            if (seen.Add((m.GetProperty("camera").GetString()!, m.GetProperty("frame").GetInt64(), m.GetProperty("boot_id").GetString()!)))
                first.Add(m);
        }
        return first;
    }

    public static long Frame(JsonElement objectsMessage) => objectsMessage.GetProperty("frame").GetInt64();
}
