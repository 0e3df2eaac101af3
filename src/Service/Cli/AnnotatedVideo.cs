using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using OpenCvSharp;

namespace MaskStream.Service.Cli;

/// <summary>
/// The annotated videos the offline verbs write for people to look at: H.264 (libx264, yuv420p) in MP4, which browsers
/// and players open, encoded by an <c>ffmpeg</c> child process that reads raw BGR frames on its stdin (OpenCvSharp's
/// bundled FFmpeg has no H.264 encoder; DESIGN.md, Video I/O). Dispose finishes the file and reports a failed encode.
/// </summary>
internal sealed class AnnotatedVideo : IDisposable
{
    /// <summary>The frame rate of a video made from images, which carry none.</summary>
    public const double ImageFrameRate = 25;

    private readonly string _path;
    private readonly Size _size;
    private readonly Process _ffmpeg;
    private readonly Stream _stdin;
    private readonly Task<string> _stderr;
    private bool _disposed;

    private AnnotatedVideo(string path, Size size, Process ffmpeg)
    {
        _path = path;
        _size = size;
        _ffmpeg = ffmpeg;
        _stdin = ffmpeg.StandardInput.BaseStream;
        // Drained while frames are written, so a chatty ffmpeg never blocks on a full pipe.
        _stderr = ffmpeg.StandardError.ReadToEndAsync();
    }

    /// <summary>Starts ffmpeg writing <paramref name="path"/> (overwritten), creating the folder.</summary>
    /// <exception cref="CliException">ffmpeg is missing or cannot start.</exception>
    public static AnnotatedVideo Open(string path, Size size, double frameRate)
    {
        string? dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null) Directory.CreateDirectory(dir);
        var start = new ProcessStartInfo("ffmpeg")
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            RedirectStandardOutput = false,
            UseShellExecute = false,
        };
        foreach (string a in Arguments(path, size, frameRate)) start.ArgumentList.Add(a);
        try
        {
            var process = Process.Start(start) ?? throw new CliException($"--video {path}: ffmpeg did not start");
            return new AnnotatedVideo(path, size, process);
        }
        catch (Win32Exception e)
        {
            throw new CliException($"--video {path}: writing H.264 needs the ffmpeg executable on PATH (Debian package ffmpeg; scripts/bootstrap installs it): {e.Message}", e);
        }
    }

    /// <summary>
    /// Raw BGR24 frames of one size on stdin → H.264 yuv420p (even sizes: an odd last row or column is padded, as
    /// yuv420p needs), MP4 with the index at the front so players start before the whole file has arrived.
    /// </summary>
    internal static string[] Arguments(string path, Size size, double frameRate) =>
    [
        "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{size.Width}x{size.Height}",
        "-r", frameRate.ToString("0.######", CultureInfo.InvariantCulture), "-i", "pipe:0",
        "-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2",
        "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart",
        path,
    ];

    /// <summary>Appends one frame (BGR, 8 bits per channel, the size given at open).</summary>
    /// <exception cref="CliException">ffmpeg has stopped (its last message is included).</exception>
    public void Write(Mat frame)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (frame.Size() != _size || frame.Type() != MatType.CV_8UC3)
            throw new ArgumentException($"Frame is {frame.Width}x{frame.Height} {frame.Type()}; this video takes {_size.Width}x{_size.Height} CV_8UC3.", nameof(frame));
        using var continuous = frame.IsContinuous() ? null : frame.Clone();
        var src = continuous ?? frame;
        try
        {
            unsafe
            {
                _stdin.Write(new ReadOnlySpan<byte>((void*)src.Data, checked(_size.Width * _size.Height * 3)));
            }
        }
        catch (IOException e)
        {
            throw new CliException($"--video {_path}: ffmpeg stopped while encoding ({Reason()})", e);
        }
    }

    /// <summary>Ends the stream and waits for ffmpeg to finish the file.</summary>
    /// <exception cref="CliException">ffmpeg failed (its last message is included).</exception>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            try
            {
                _stdin.Dispose();
            }
            catch (IOException)
            {
                // ffmpeg already gone: its exit code and message say why.
            }
            if (!_ffmpeg.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                _ffmpeg.Kill();
                throw new CliException($"--video {_path}: ffmpeg did not finish the file within 2 minutes");
            }
            if (_ffmpeg.ExitCode != 0)
                throw new CliException($"--video {_path}: ffmpeg failed with exit code {_ffmpeg.ExitCode} ({Reason()})");
        }
        finally
        {
            _ffmpeg.Dispose();
        }
    }

    private string Reason()
    {
        _ffmpeg.WaitForExit(TimeSpan.FromSeconds(5));
        string text = _stderr.Wait(TimeSpan.FromSeconds(5)) ? _stderr.Result : "";
        string? last = text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault();
        return last ?? "no message";
    }
}
