using System.Runtime.CompilerServices;
using MaskStream.Core.Frames;

namespace MaskStream.Ingest.Synthetic;

/// <summary>
/// A <see cref="SyntheticScene"/> as a camera. Live (the default), it yields frames at the scene's
/// frame rate by the injected clock and, like a real camera, skips frame numbers it fell behind
/// on rather than delivering a backlog; otherwise it renders as fast as it is read. The frame
/// number of each yielded frame is its scene frame, so ground truth for it can be regenerated.
/// </summary>
public sealed class SyntheticFrameSource : IFrameSource
{
    private readonly SyntheticSceneOptions _options;
    private readonly string _cameraId;
    private readonly TimeProvider _time;

    public SyntheticFrameSource(SyntheticSceneOptions options, string cameraId, TimeProvider? time = null)
    {
        _options = options.Validate();
        _cameraId = cameraId;
        _time = time ?? TimeProvider.System;
    }

    public string Uri => _options.ToUri();
    public int Width => _options.Width;
    public int Height => _options.Height;
    public double FramesPerSecond => _options.Fps;
    public bool IsLive => _options.Live;

    public async IAsyncEnumerable<Frame> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var scene = new SyntheticScene(_options);
        long first = _options.Start;
        long end = _options.Frames is { } count ? first + count : long.MaxValue;
        long startTicks = _time.GetTimestamp();
        var startTime = _time.GetUtcNow();
        for (long n = first; n < end; n++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var pts = TimeSpan.FromSeconds((n - first) / _options.Fps);
            DateTimeOffset captured;
            if (_options.Live)
            {
                var wait = pts - _time.GetElapsedTime(startTicks);
                if (wait > TimeSpan.Zero) await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
                else
                {
                    // Behind schedule: jump to the frame due now, as a camera would have moved on.
                    long due = first + (long)Math.Floor(_time.GetElapsedTime(startTicks).TotalSeconds * _options.Fps);
                    if (due > n)
                    {
                        n = Math.Min(due, end - 1);
                        pts = TimeSpan.FromSeconds((n - first) / _options.Fps);
                    }
                }
                captured = _time.GetUtcNow();
            }
            else captured = startTime + pts;

            var pixels = PixelBuffer.Rent(_options.Width, _options.Height);
            try
            {
                scene.Render(n, pixels.Pixels);
            }
            catch
            {
                pixels.Dispose();
                throw;
            }
            yield return new Frame(new FrameInfo(_cameraId, n, captured, pts, _options.Width, _options.Height), pixels);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
