using System.Diagnostics;

namespace MaskStream.Ingest.Tests.Capture;

/// <summary>Video files written by the real ffmpeg for the tests: frame n is a flat grey whose level encodes n, so a
/// frame read back names itself (a skipped or repeated frame shows) through any lossy codec.</summary>
public sealed class VideoFiles : IDisposable
{
    public const int Frames = 12;
    public const int Fps = 10;
    public const int Width = 160;
    public const int Height = 120;

    private readonly string _dir = Path.Combine(Path.GetTempPath(), "maskstream-ingest-" + Guid.NewGuid().ToString("N"));

    public VideoFiles()
    {
        Directory.CreateDirectory(_dir);
        Mp4 = Path.Combine(_dir, "grey ramp.mp4");
        Write(Mp4, "mpeg4");
    }

    /// <summary>MPEG-4 Part 2 in MP4 (what OpenCV itself writes), 12 frames at 10 fps, 160x120.</summary>
    public string Mp4 { get; }

    /// <summary>The blue channel level that frame <paramref name="n"/> decodes to: luma 16 + 16n in limited range.</summary>
    public static double LevelOf(long n) => 16 * n * 255.0 / 219.0;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static void Write(string path, string codec)
    {
        var info = new ProcessStartInfo("ffmpeg", [
            "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", $"color=c=black:s={Width}x{Height}:r={Fps},geq=lum='16+16*N':cb=128:cr=128",
            "-frames:v", Frames.ToString(System.Globalization.CultureInfo.InvariantCulture), "-c:v", codec, "-q:v", "1", "-pix_fmt", "yuv420p", path,
        ])
        { RedirectStandardError = true, UseShellExecute = false };
        using var ffmpeg = Process.Start(info)!;
        var error = ffmpeg.StandardError.ReadToEnd();
        ffmpeg.WaitForExit();
        if (ffmpeg.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg could not write {path}: {error}");
    }
}
