using System.Text;

namespace MaskStream.Detector.Tests.Support;

/// <summary>Reads numpy .npy files (version 1/2, little-endian float32 / int64, C order) for the parity fixtures.</summary>
public sealed record Npy(int[] Shape, float[] Data)
{
    public static Npy Load(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        if (bytes.Length < 10 || bytes[0] != 0x93 || Encoding.ASCII.GetString(bytes, 1, 5) != "NUMPY")
            throw new InvalidDataException($"{path}: not an .npy file");
        int major = bytes[6];
        int headerLength = major == 1 ? BitConverter.ToUInt16(bytes, 8) : BitConverter.ToInt32(bytes, 8);
        int offset = major == 1 ? 10 : 12;
        string header = Encoding.ASCII.GetString(bytes, offset, headerLength);
        offset += headerLength;
        string descr = Between(header, "'descr': '", "'");
        if (header.Contains("'fortran_order': True")) throw new InvalidDataException($"{path}: Fortran order");
        string shapeText = Between(header, "'shape': (", ")");
        int[] shape = shapeText.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(int.Parse).ToArray();
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var data = new float[count];
        switch (descr)
        {
            case "<f4":
                Buffer.BlockCopy(bytes, offset, data, 0, checked((int)count * 4));
                break;
            case "<i8":
                for (int i = 0; i < count; i++) data[i] = BitConverter.ToInt64(bytes, offset + 8 * i);
                break;
            default:
                throw new InvalidDataException($"{path}: dtype {descr} not supported");
        }
        return new Npy(shape, data);
    }

    private static string Between(string s, string start, string end)
    {
        int i = s.IndexOf(start, StringComparison.Ordinal) + start.Length;
        return s[i..s.IndexOf(end, i, StringComparison.Ordinal)];
    }
}
