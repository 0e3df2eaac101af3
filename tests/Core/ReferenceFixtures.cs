using System.Text.Json;

namespace MaskStream.Core.Tests;

/// <summary>Loads the reference vectors in tests/fixtures/reference (see the README there for provenance).</summary>
internal static class ReferenceFixtures
{
    private static readonly Dictionary<string, JsonDocument> Cache = new();

    public static JsonElement Load(string fileName)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(fileName, out var doc))
            {
                var path = Path.Combine(AppContext.BaseDirectory, "fixtures", "reference", fileName);
                doc = JsonDocument.Parse(File.ReadAllBytes(path));
                Cache[fileName] = doc;
            }
            return doc.RootElement;
        }
    }

    /// <summary>Case names of one list, for [MemberData].</summary>
    public static TheoryData<string> CaseNames(string fileName, string list)
    {
        var data = new TheoryData<string>();
        foreach (var c in Load(fileName).GetProperty(list).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    public static JsonElement Case(string fileName, string list, string name)
    {
        foreach (var c in Load(fileName).GetProperty(list).EnumerateArray())
            if (c.GetProperty("name").GetString() == name) return c;
        throw new KeyNotFoundException($"{fileName}: no case '{name}' in {list}");
    }

    public static uint[] UInts(JsonElement array)
    {
        var result = new uint[array.GetArrayLength()];
        int i = 0;
        foreach (var v in array.EnumerateArray()) result[i++] = v.GetUInt32();
        return result;
    }

    public static double[] Doubles(JsonElement array)
    {
        var result = new double[array.GetArrayLength()];
        int i = 0;
        foreach (var v in array.EnumerateArray()) result[i++] = v.GetDouble();
        return result;
    }
}
