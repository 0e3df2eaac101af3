using System.Text.Json;
using MaskStream.Core.Frames;
using OpenCvSharp;

namespace MaskStream.Detector.Tests.Support;

internal static class Fixtures
{
    public static string Dir => Path.Combine(AppContext.BaseDirectory, "fixtures", "detector");

    public static JsonElement TorchvisionOps { get; } =
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(Dir, "torchvision_ops.json"))).RootElement;

    /// <summary>The repository root (tests may run from an artifacts folder elsewhere).</summary>
    public static string RepoRoot() => MaskStream.Testing.RepositoryRoot.Path;

    public static float[] Floats(this JsonElement e) => e.EnumerateArray().Select(v => v.GetSingle()).ToArray();

    public static int[] Ints(this JsonElement e) => e.EnumerateArray().Select(v => v.GetInt32()).ToArray();

    /// <summary>An image file as a Frame (BGR24, pooled pixels).</summary>
    public static Frame LoadFrame(string path, long number = 0)
    {
        using var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty()) throw new InvalidDataException($"{path}: cannot decode");
        var pixels = PixelBuffer.Rent(mat.Cols, mat.Rows);
        mat.GetContinuousSpan<byte>(out var span);
        span.CopyTo(pixels.Pixels);
        return new Frame(new FrameInfo("test", number, DateTimeOffset.UnixEpoch, null, mat.Cols, mat.Rows), pixels);
    }

    private static void GetContinuousSpan<T>(this Mat mat, out ReadOnlySpan<byte> span) where T : unmanaged
    {
        if (!mat.IsContinuous()) throw new InvalidDataException("non-continuous Mat");
        unsafe
        {
            span = new ReadOnlySpan<byte>((void*)mat.Data, (int)(mat.Total() * mat.ElemSize()));
        }
    }
}
