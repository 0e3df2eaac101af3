using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace MaskStream.Kernels.Tests;

/// <summary>
/// Reference data written by tests/Kernels/generate_fixtures.py from torchvision (see
/// tests/fixtures/kernels/README.md): manifest.json plus .npy arrays.
/// </summary>
internal static class KernelFixtures
{
    private static readonly string Folder = Path.Combine(AppContext.BaseDirectory, "fixtures", "kernels");
    private static readonly Lazy<JsonDocument> ManifestDoc =
        new(() => JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Folder, "manifest.json"))));

    public static JsonElement Manifest => ManifestDoc.Value.RootElement;

    /// <summary>A little-endian float32 .npy file (C order): its shape and data.</summary>
    public static (int[] Shape, float[] Data) LoadNpy(string fileName)
    {
        byte[] bytes = File.ReadAllBytes(Path.Combine(Folder, fileName));
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{fileName}: not a .npy file.");
        int headerLength = bytes[6] == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) : (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8));
        int dataStart = (bytes[6] == 1 ? 10 : 12) + headerLength;
        string header = Encoding.ASCII.GetString(bytes, dataStart - headerLength, headerLength);
        if (!header.Contains("'descr': '<f4'") || header.Contains("'fortran_order': True"))
            throw new InvalidDataException($"{fileName}: expected little-endian float32 in C order, header {header}.");
        int open = header.IndexOf("'shape': (", StringComparison.Ordinal) + 10;
        string dims = header[open..header.IndexOf(')', open)];
        int[] shape = dims.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        var data = new float[(bytes.Length - dataStart) / 4];
        Buffer.BlockCopy(bytes, dataStart, data, 0, data.Length * 4);
        if (data.Length != shape.Aggregate(1, (a, b) => a * b))
            throw new InvalidDataException($"{fileName}: {data.Length} floats for shape ({dims}).");
        return (shape, data);
    }

    public static float[] Floats(JsonElement array) => array.EnumerateArray().Select(e => e.GetSingle()).ToArray();

    public static JsonElement Case(string list, string name) =>
        FindCase(Manifest.GetProperty(list), name);

    public static JsonElement FindCase(JsonElement cases, string name) =>
        cases.EnumerateArray().First(c => c.GetProperty("name").GetString() == name);

    public static TheoryData<string> CaseNames(string list)
    {
        var data = new TheoryData<string>();
        foreach (var c in Manifest.GetProperty(list).EnumerateArray()) data.Add(c.GetProperty("name").GetString()!);
        return data;
    }

    /// <summary>Largest |a - b| over two equal-length arrays.</summary>
    public static float MaxAbsDiff(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        Assert.Equal(a.Length, b.Length);
        float max = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            float d = MathF.Abs(a[i] - b[i]);
            if (!(d <= max)) max = d; // NaN propagates as a failure
        }
        return max;
    }
}
