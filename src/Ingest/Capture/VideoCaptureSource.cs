using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using MaskStream.Core.Frames;
using OpenCvSharp;

namespace MaskStream.Ingest.Capture;

/// <summary>
/// A video file or a USB (V4L2) camera read through OpenCV's <see cref="VideoCapture"/> (whose bundled FFmpeg reads
/// files but speaks no network protocol; DESIGN.md, Video I/O). A file is not live: it loses nothing, is paced at its
/// own frame rate or read as fast as it is taken, and stops or loops at its end. A camera is live and its frames come
/// at its own pace. The capture is opened in the constructor, so a missing file or absent device fails at once.
/// </summary>
public sealed class VideoCaptureSource : IFrameSource
{
    private readonly string _cameraId;
    private readonly SourceOptions _options;
    private readonly Func<VideoCapture> _open;
    private VideoCapture? _capture;

    private VideoCaptureSource(string cameraId, string uri, bool live, SourceOptions options, Func<VideoCapture> open)
    {
        _cameraId = cameraId;
        _options = options;
        _open = open;
        Uri = uri;
        IsLive = live;
        _capture = OpenChecked();
        Width = (int)_capture.Get(VideoCaptureProperties.FrameWidth);
        Height = (int)_capture.Get(VideoCaptureProperties.FrameHeight);
        FramesPerSecond = _capture.Get(VideoCaptureProperties.Fps);
    }

    /// <summary>Opens a video file (a path, or a <c>file://</c> URI's local path).</summary>
    /// <exception cref="FrameSourceException">The file is missing or OpenCV cannot decode it.</exception>
    public static VideoCaptureSource OpenFile(string cameraId, string path, SourceOptions options)
    {
        if (!File.Exists(path))
            throw new FrameSourceException($"no such video file '{path}'");
        return new VideoCaptureSource(cameraId, path, live: false, options, () => new VideoCapture(path, VideoCaptureAPIs.FFMPEG));
    }

    /// <summary>Opens a camera: a V4L2 device path (<c>/dev/video0</c>) or a device index (<c>usb://0</c>).</summary>
    /// <exception cref="FrameSourceException">The device is absent or busy.</exception>
    public static VideoCaptureSource OpenDevice(string cameraId, string uri, string? devicePath, int index, SourceOptions options)
    {
        var api = OperatingSystem.IsLinux() ? VideoCaptureAPIs.V4L2 : VideoCaptureAPIs.ANY;
        return new VideoCaptureSource(cameraId, uri, live: true, options,
            devicePath is null ? () => new VideoCapture(index, api) : () => new VideoCapture(devicePath, api));
    }

    public string Uri { get; }
    public int Width { get; }
    public int Height { get; }
    public double FramesPerSecond { get; }
    public bool IsLive { get; }

    public async IAsyncEnumerable<Frame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // The iterator owns the capture from here on; a second read opens the file again.
        var capture = Interlocked.Exchange(ref _capture, null) ?? OpenChecked();
        using var decoded = new Mat();
        bool paced = !IsLive && _options.Pace == FramePace.Native;
        double interval = FramesPerSecond > 0 && double.IsFinite(FramesPerSecond) ? 1.0 / FramesPerSecond : 0;
        long started = Stopwatch.GetTimestamp();
        long number = 0;
        // Pts keep counting across loops: each pass starts one frame interval after the last frame of the one before.
        double passOffset = 0, lastPts = 0, firstInPass = double.NaN;
        long framesInPass = 0;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!capture.Read(decoded) || decoded.Empty())
                {
                    if (IsLive)
                        throw new FrameSourceException($"{Uri}: the camera stopped delivering frames");
                    if (_options.AtEnd == EndOfStream.Stop || framesInPass == 0)
                        yield break;
                    capture.Dispose();
                    capture = OpenChecked();
                    passOffset = lastPts + interval;
                    firstInPass = double.NaN;
                    framesInPass = 0;
                    continue;
                }
                double ms = capture.Get(VideoCaptureProperties.PosMsec);
                if (double.IsNaN(firstInPass))
                    firstInPass = IsLive ? ms : 0;
                // A file's PosMsec is the frame's pts; a camera's is its driver timestamp, counted from the first frame.
                double pts = ms >= 0 ? passOffset + (ms - firstInPass) / 1000.0 : passOffset + framesInPass * interval;
                lastPts = pts;
                framesInPass++;

                if (paced)
                {
                    var wait = TimeSpan.FromSeconds(pts) - Stopwatch.GetElapsedTime(started);
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                var frame = ToFrame(decoded, number++, pts);
                yield return frame;
            }
        }
        finally
        {
            capture.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref _capture, null)?.Dispose();
        return ValueTask.CompletedTask;
    }

    private VideoCapture OpenChecked()
    {
        var capture = _open();
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new FrameSourceException(IsLive ? $"cannot open camera '{Uri}' (absent, busy, or no permission)" : $"cannot decode video file '{Uri}'");
        }
        return capture;
    }

    private Frame ToFrame(Mat decoded, long number, double pts)
    {
        if (decoded.Type() != MatType.CV_8UC3)
            throw new FrameSourceException($"{Uri}: decoded frames are {decoded.Type()}, expected 8-bit BGR");
        int width = decoded.Width, height = decoded.Height;
        var pixels = PixelBuffer.Rent(width, height);
        try
        {
            var target = pixels.Pixels;
            if (decoded.IsContinuous())
            {
                unsafe
                {
                    new ReadOnlySpan<byte>((void*)decoded.Data, target.Length).CopyTo(target);
                }
            }
            else
            {
                int row = width * 3;
                for (int y = 0; y < height; y++)
                    Marshal.Copy(decoded.Ptr(y), pixels.Array, y * row, row);
            }
        }
        catch
        {
            pixels.Dispose();
            throw;
        }
        return new Frame(new FrameInfo(_cameraId, number, DateTimeOffset.UtcNow, TimeSpan.FromSeconds(pts), width, height), pixels);
    }
}
