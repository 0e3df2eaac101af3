using System.Diagnostics;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;
using MaskStream.Service.Cli;
using OpenCvSharp;

namespace MaskStream.Service.Http;

/// <summary>
/// One camera's live picture for the page. Nothing is copied, drawn or encoded while nobody watches: a snapshot
/// request marks the camera watched for a few seconds, an MJPEG viewer for as long as it stays. While watched, the
/// detector stage copies each frame's pixels into a pooled buffer here (the frame itself goes back to its pool at
/// once), and the tracking stage completes that frame with its tracks. Drawing and JPEG encoding happen on the
/// viewer's request, once per frame however many viewers there are. Memory: two pixel buffers of the camera's size.
/// </summary>
internal sealed class CameraView(string id, Annotator annotator) : IDisposable
{
    private static readonly long WatchTicks = Stopwatch.Frequency * 3;

    /// <summary>A kept frame whose tracks have not come by then is given up (a source that restarted its frame numbers).</summary>
    private static readonly TimeSpan PendingLimit = TimeSpan.FromSeconds(10);

    private readonly object _gate = new();
    private readonly SemaphoreSlim _encodeGate = new(1, 1);
    private PixelBuffer? _pending, _ready;
    private FrameInfo? _pendingInfo;
    private long _pendingSince;
    private TrackedFrame? _readyFrame;
    private long _version;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _streams;
    private long _watchedUntil;
    private byte[]? _jpeg;
    private long _jpegVersion;

    public string Id { get; } = id;

    public bool Watched => Volatile.Read(ref _streams) > 0 || Stopwatch.GetTimestamp() < Volatile.Read(ref _watchedUntil);

    /// <summary>Annotated frames so far (0: none yet).</summary>
    public long Version => Interlocked.Read(ref _version);

    /// <summary>Detector stage, before the frame's pixels go back to their pool. A frame already kept and still waiting
    /// for its tracks is not overwritten: the detector moves on to its next batch before the tracking stage has taken
    /// the previous one, so overwriting would never let a picture complete while someone watches.</summary>
    public void Offer(Frame frame)
    {
        if (!Watched)
            return;
        if (Volatile.Read(ref _pendingInfo) is not null && Stopwatch.GetElapsedTime(Volatile.Read(ref _pendingSince)) < PendingLimit)
            return;
        lock (_gate)
        {
            var pixels = frame.Pixels;
            if (_pending is null || _pending.Width != pixels.Width || _pending.Height != pixels.Height)
            {
                _pending?.Dispose();
                _pending = PixelBuffer.Rent(pixels.Width, pixels.Height);
            }
            pixels.Pixels.CopyTo(_pending.Pixels);
            _pendingInfo = frame.Info;
            _pendingSince = Stopwatch.GetTimestamp();
        }
    }

    /// <summary>Tracking stage: the tracks of the frame whose pixels were kept make it the camera's latest picture. A
    /// later frame means the kept one will never come (the detector failed it): it is let go.</summary>
    public void Offer(TrackedFrame tracked)
    {
        if (Volatile.Read(ref _pendingInfo) is not { } kept || tracked.Info.FrameNumber < kept.FrameNumber)
            return;
        TaskCompletionSource next;
        lock (_gate)
        {
            if (_pendingInfo is null)
                return;
            if (_pendingInfo.FrameNumber != tracked.Info.FrameNumber)
            {
                _pendingInfo = null;
                return;
            }
            (_ready, _pending) = (_pending, _ready);
            _readyFrame = tracked;
            _pendingInfo = null;
            Interlocked.Increment(ref _version);
            next = _next;
            _next = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        next.TrySetResult();
    }

    /// <summary>Keeps the camera watched for a few seconds (a snapshot viewer).</summary>
    public void Touch() => Volatile.Write(ref _watchedUntil, Stopwatch.GetTimestamp() + WatchTicks);

    /// <summary>Keeps the camera watched until the returned handle is disposed (a stream viewer).</summary>
    public IDisposable Watch()
    {
        Interlocked.Increment(ref _streams);
        return new Watcher(this);
    }

    /// <summary>Waits until a picture newer than <paramref name="seen"/> exists; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitNewerAsync(long seen, TimeSpan timeout, CancellationToken ct)
    {
        Task next;
        lock (_gate)
        {
            if (_version > seen)
                return true;
            next = _next.Task;
        }
        try
        {
            await next.WaitAsync(timeout, ct).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>The latest picture, annotated, as JPEG; null before the first one. Encoded once per picture.</summary>
    public async Task<(byte[] Jpeg, long Version)?> JpegAsync(CancellationToken ct)
    {
        await _encodeGate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            Mat image;
            TrackedFrame frame;
            long version;
            lock (_gate)
            {
                if (_ready is null || _readyFrame is null)
                    return null;
                version = _version;
                if (_jpeg is not null && _jpegVersion == version)
                    return (_jpeg, version);
                using var pixels = Mat.FromPixelData(_ready.Height, _ready.Width, MatType.CV_8UC3, _ready.Array);
                image = pixels.Clone();
                frame = _readyFrame;
            }
            using (image)
            {
                annotator.Draw(image, frame);
                Cv2.ImEncode(".jpg", image, out var jpeg, new ImageEncodingParam(ImwriteFlags.JpegQuality, 80));
                (_jpeg, _jpegVersion) = (jpeg, version);
                return (jpeg, version);
            }
        }
        finally
        {
            _encodeGate.Release();
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _pending?.Dispose();
            _ready?.Dispose();
            _pending = _ready = null;
            _readyFrame = null;
        }
    }

    private sealed class Watcher(CameraView view) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                Interlocked.Decrement(ref view._streams);
        }
    }
}
