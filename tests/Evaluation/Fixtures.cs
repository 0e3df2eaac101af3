using System.Text.Json;

namespace MaskStream.Evaluation.Tests;

internal static class Fixtures
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "reference", name);

    private static readonly Dictionary<string, JsonDocument> Cache = [];

    public static JsonElement Load(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out var doc))
                Cache[name] = doc = JsonDocument.Parse(File.ReadAllText(PathOf(name)));
            return doc.RootElement;
        }
    }

    public static JsonElement Scenario(string file, string name)
    {
        foreach (var s in Load(file).GetProperty("scenarios").EnumerateArray())
            if (s.GetProperty("name").GetString() == name)
                return s;
        throw new ArgumentException($"no scenario {name} in {file}");
    }

    public static double[] Doubles(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetDouble())];
}
