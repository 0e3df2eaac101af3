using MaskStream.Core.Frames;
using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>
/// The input of the offline verbs (<c>detect</c>, <c>track</c>): a video file, one image, or a folder of images
/// read in file-name order. <see cref="Open"/> checks the input at once, so a bad one fails with one line naming it
/// before any model is loaded.
/// </summary>
internal sealed class FrameInput
{
    private static readonly string[] ImageExtensions = [".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".webp"];

    private readonly string _path;
    private readonly string[]? _images;

    private FrameInput(string path, string[]? images, double? frameRate)
    {
        _path = path;
        _images = images;
        FrameRate = frameRate;
    }

    /// <summary>The extensions read as images, for help texts and messages.</summary>
    public static string ImageExtensionList => string.Join(" ", ImageExtensions);

    /// <summary>True for a video file; images (one or a folder) give false.</summary>
    public bool IsVideo => _images is null;

    /// <summary>The frame rate the video declares; null for images or a video that declares none.</summary>
    public double? FrameRate { get; }

    /// <exception cref="CliException">The path does not exist, the folder holds no images, or the file is neither an
    /// image nor a video OpenCV can read.</exception>
    public static FrameInput Open(string input)
    {
        if (Directory.Exists(input))
        {
            var files = Directory.GetFiles(input).Where(IsImage).OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToArray();
            if (files.Length == 0)
                throw new CliException($"--input {input}: the folder holds no images ({ImageExtensionList})");
            return new FrameInput(input, files, null);
        }
        if (!File.Exists(input)) throw new CliException($"--input {input}: no such file or folder");
        if (IsImage(input)) return new FrameInput(input, [input], null);
        using var probe = new VideoCapture(input);
        if (!probe.IsOpened()) throw new CliException($"--input {input}: not an image and not a video OpenCV can read");
        double fps = probe.Fps;
        return new FrameInput(input, null, double.IsFinite(fps) && fps > 0 ? fps : null);
    }

    /// <summary>
    /// The frames in order: index from 0, the image's file name (null for video frames) and its BGR pixels, which the
    /// caller disposes.
    /// </summary>
    public IEnumerable<(int Index, string? Name, Mat Image)> Frames() =>
        _images is null ? VideoFrames(_path) : _images.Select((f, i) => (i, (string?)Path.GetFileName(f), ReadImage(f)));

    /// <summary>Copies <paramref name="mat"/> (BGR24) into a pooled frame numbered <paramref name="index"/>.</summary>
    public static unsafe Frame ToFrame(Mat mat, int index, string cameraId)
    {
        var pixels = PixelBuffer.Rent(mat.Cols, mat.Rows);
        using var continuous = mat.IsContinuous() ? null : mat.Clone();
        var src = continuous ?? mat;
        new ReadOnlySpan<byte>((void*)src.Data, pixels.Length).CopyTo(pixels.Pixels);
        return new Frame(new FrameInfo(cameraId, index, DateTimeOffset.UtcNow, null, mat.Cols, mat.Rows), pixels);
    }

    private static IEnumerable<(int, string?, Mat)> VideoFrames(string path)
    {
        using var capture = new VideoCapture(path);
        for (int i = 0; ; i++)
        {
            var mat = new Mat();
            if (!capture.Read(mat) || mat.Empty())
            {
                mat.Dispose();
                yield break;
            }
            yield return (i, null, mat);
        }
    }

    private static bool IsImage(string path) => ImageExtensions.Contains(Path.GetExtension(path).ToLowerInvariant());

    private static Mat ReadImage(string path)
    {
        var mat = Cv2.ImRead(path, ImreadModes.Color);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new CliException($"{path}: cannot decode the image (corrupt or unsupported)");
        }
        return mat;
    }
}
