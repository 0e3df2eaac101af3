using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>The annotated MPEG-4 videos the offline verbs write for people to look at.</summary>
internal static class AnnotatedVideo
{
    /// <summary>The frame rate of a video made from images, which carry none.</summary>
    public const double ImageFrameRate = 25;

    /// <summary>Opens an mp4v writer (OpenCvSharp's bundled FFmpeg has no H.264 encoder), creating the folder.</summary>
    /// <exception cref="CliException">OpenCV cannot write there.</exception>
    public static VideoWriter Open(string path, Size size, double frameRate)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var writer = new VideoWriter(path, FourCC.MP4V, frameRate, size);
        if (!writer.IsOpened())
        {
            writer.Dispose();
            throw new CliException($"--video {path}: OpenCV cannot write an MPEG-4 video there");
        }
        return writer;
    }
}
