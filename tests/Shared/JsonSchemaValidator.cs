using System.Text.Json;
using System.Text.RegularExpressions;

namespace MaskStream.Testing;

/// <summary>A JSON Schema (draft 2020-12) validator for the keywords docs/schema uses: type, required, properties,
/// additionalProperties (false or a schema), items, minItems, maxItems, enum, minimum, maximum, minLength, pattern and
/// local $ref (#/$defs/…). An unknown keyword fails loudly, so a schema cannot silently outgrow the validator.</summary>
internal sealed class JsonSchemaValidator
{
    private static readonly HashSet<string> Known =
    [
        "$schema", "$id", "$defs", "$ref", "title", "description", "type", "required", "properties", "additionalProperties",
        "items", "minItems", "maxItems", "enum", "minimum", "maximum", "minLength", "pattern",
    ];

    private readonly JsonElement _root;

    public JsonSchemaValidator(JsonElement root) => _root = root;

    /// <summary>A schema of docs/schema by file name, e.g. <c>objects.schema.json</c>, read from the repository so every
    /// test project checks against the very files the docs publish.</summary>
    public static JsonSchemaValidator Load(string name)
    {
        var path = Path.Combine(RepositoryRoot.Path, "docs", "schema", name);
        return new JsonSchemaValidator(JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone());
    }

    /// <summary>The schema of a message on <paramref name="topic"/> (docs/MQTT.md's topic table), or null for a topic
    /// MaskStream does not publish.</summary>
    public static string? SchemaForTopic(string topic) =>
        topic.EndsWith("/objects", StringComparison.Ordinal) ? "objects.schema.json"
        : topic.EndsWith("/events", StringComparison.Ordinal) ? "track-event.schema.json"
        : topic.Contains("/service/", StringComparison.Ordinal) && topic.EndsWith("/status", StringComparison.Ordinal) ? "service-status.schema.json"
        : topic.EndsWith("/status", StringComparison.Ordinal) ? "camera-status.schema.json"
        : null;

    /// <summary>Every violation as "path: problem"; empty when the instance is valid.</summary>
    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Check(_root, instance, "$", errors);
        return errors;
    }

    public List<string> Validate(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return Validate(JsonElement.ParseValue(ref reader));
    }

    private void Check(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        foreach (var keyword in schema.EnumerateObject())
        {
            if (!Known.Contains(keyword.Name))
                throw new NotSupportedException($"schema keyword '{keyword.Name}' at {path} is not supported by this validator");
        }

        if (schema.TryGetProperty("$ref", out var reference))
        {
            var target = reference.GetString()!;
            const string local = "#/$defs/";
            if (!target.StartsWith(local, StringComparison.Ordinal))
                throw new NotSupportedException($"only local $ref is supported, got '{target}'");
            Check(_root.GetProperty("$defs").GetProperty(target[local.Length..]), value, path, errors);
        }

        if (schema.TryGetProperty("type", out var type) && !MatchesType(type, value))
        {
            errors.Add($"{path}: expected type {type.GetRawText()}, got {value.ValueKind}");
            return;
        }

        if (schema.TryGetProperty("enum", out var allowed) &&
            !allowed.EnumerateArray().Any(a => JsonElement.DeepEquals(a, value)))
            errors.Add($"{path}: {value.GetRawText()} is not one of {allowed.GetRawText()}");

        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                CheckObject(schema, value, path, errors);
                break;
            case JsonValueKind.Array:
                CheckArray(schema, value, path, errors);
                break;
            case JsonValueKind.Number:
                if (schema.TryGetProperty("minimum", out var min) && value.GetDouble() < min.GetDouble())
                    errors.Add($"{path}: {value.GetRawText()} is below the minimum {min.GetRawText()}");
                if (schema.TryGetProperty("maximum", out var max) && value.GetDouble() > max.GetDouble())
                    errors.Add($"{path}: {value.GetRawText()} is above the maximum {max.GetRawText()}");
                break;
            case JsonValueKind.String:
                var text = value.GetString()!;
                if (schema.TryGetProperty("minLength", out var minLength) && text.Length < minLength.GetInt32())
                    errors.Add($"{path}: shorter than {minLength.GetInt32()} characters");
                if (schema.TryGetProperty("pattern", out var pattern) && !Regex.IsMatch(text, pattern.GetString()!))
                    errors.Add($"{path}: '{text}' does not match {pattern.GetString()}");
                break;
        }
    }

    private void CheckObject(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        if (schema.TryGetProperty("required", out var required))
        {
            foreach (var name in required.EnumerateArray())
            {
                if (!value.TryGetProperty(name.GetString()!, out _))
                    errors.Add($"{path}: missing required property '{name.GetString()}'");
            }
        }
        var hasProperties = schema.TryGetProperty("properties", out var properties);
        var hasAdditional = schema.TryGetProperty("additionalProperties", out var additional);
        foreach (var property in value.EnumerateObject())
        {
            var childPath = $"{path}.{property.Name}";
            if (hasProperties && properties.TryGetProperty(property.Name, out var propertySchema))
                Check(propertySchema, property.Value, childPath, errors);
            else if (hasAdditional && additional.ValueKind == JsonValueKind.False)
                errors.Add($"{path}: property '{property.Name}' is not allowed");
            else if (hasAdditional && additional.ValueKind == JsonValueKind.Object)
                Check(additional, property.Value, childPath, errors);
        }
    }

    private void CheckArray(JsonElement schema, JsonElement value, string path, List<string> errors)
    {
        var count = value.GetArrayLength();
        if (schema.TryGetProperty("minItems", out var minItems) && count < minItems.GetInt32())
            errors.Add($"{path}: {count} items, fewer than {minItems.GetInt32()}");
        if (schema.TryGetProperty("maxItems", out var maxItems) && count > maxItems.GetInt32())
            errors.Add($"{path}: {count} items, more than {maxItems.GetInt32()}");
        if (schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
                Check(items, item, $"{path}[{i++}]", errors);
        }
    }

    private static bool MatchesType(JsonElement type, JsonElement value)
    {
        if (type.ValueKind == JsonValueKind.Array)
            return type.EnumerateArray().Any(t => MatchesType(t.GetString()!, value));
        return MatchesType(type.GetString()!, value);
    }

    private static bool MatchesType(string type, JsonElement value) => type switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"schema type '{type}'"),
    };
}
