using System.Diagnostics;
using System.Threading.Channels;
using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Core.Objects;
using MaskStream.Service.Telemetry;

namespace MaskStream.Service.Pipeline;

/// <summary>
/// Batches frames across cameras (up to <c>maxBatch</c>, waiting at most <c>maxWait</c> for a batch to fill) into one
/// <see cref="Detector.Detector.Detect"/> call. A batch holds at most one frame per camera: a second frame of the same
/// camera would only wait for the first (a live camera's newest frame should go next, not its queue's backlog), and
/// each camera's frames leave in the order they came. Cameras are visited round-robin from a rotating start, so with
/// more cameras than <c>maxBatch</c> none is starved. A frame the detector cannot process is counted on its camera
/// and skipped. Every frame taken from a queue is disposed here, once. With <c>appearance</c> (<c>Tracking:Appearance</c>),
/// each detection also gets the colour histogram of its pixels (<see cref="DetectionAppearance"/>) while the frame is still
/// held: the tracker's appearance cue, which it cannot compute later.
/// </summary>
internal sealed class DetectorStage(
    Detector.Detector detector,
    IReadOnlyList<CameraFeed> feeds,
    SemaphoreSlim wake,
    ChannelWriter<DetectedFrame> output,
    int maxBatch,
    TimeSpan maxWait,
    PipelineObservers? observers = null,
    bool appearance = false)
{
    private readonly List<Frame> _batch = new(maxBatch);
    private readonly bool[] _taken = new bool[feeds.Count];
    private readonly int _fullBatch = Math.Min(maxBatch, feeds.Count);
    private readonly Dictionary<string, CameraCounters> _counters = feeds.ToDictionary(f => f.Id, f => f.Counters, StringComparer.Ordinal);
    private int _next;

    /// <summary>Runs until every camera queue is completed and empty. <paramref name="abort"/> gives up on the frames
    /// still queued (a shutdown that ran out of time); they are disposed, not processed.</summary>
    public async Task RunAsync(CancellationToken abort)
    {
        try
        {
            while (true)
            {
                Fill();
                if (_batch.Count == 0)
                {
                    if (AllDone())
                        break;
                    await wake.WaitAsync(abort).ConfigureAwait(false);
                    continue;
                }
                if (_batch.Count < _fullBatch && maxWait > TimeSpan.Zero)
                    await TopUpAsync(abort).ConfigureAwait(false);
                await ProcessAsync(abort).ConfigureAwait(false);
            }
        }
        finally
        {
            foreach (var frame in _batch)
                frame.Dispose();
            _batch.Clear();
            foreach (var feed in feeds)
            {
                while (feed.Frames.Reader.TryRead(out var left))
                    left.Dispose();
            }
            output.TryComplete();
        }
    }

    /// <summary>Takes the next frame of each camera not yet in the batch, until the batch is full.</summary>
    private void Fill()
    {
        for (int i = 0; i < feeds.Count && _batch.Count < _fullBatch; i++)
        {
            int k = (_next + i) % feeds.Count;
            if (!_taken[k] && feeds[k].Frames.Reader.TryRead(out var frame))
            {
                _batch.Add(frame);
                _taken[k] = true;
                observers?.Metrics?.FrameAge.Record((DateTimeOffset.UtcNow - frame.Info.CaptureTime).TotalSeconds, ServiceMetrics.Camera(frame.Info.CameraId));
            }
        }
    }

    private async Task TopUpAsync(CancellationToken abort)
    {
        long started = Stopwatch.GetTimestamp();
        while (_batch.Count < _fullBatch && !AllDone())
        {
            var left = maxWait - Stopwatch.GetElapsedTime(started);
            if (left <= TimeSpan.Zero || !await wake.WaitAsync(left, abort).ConfigureAwait(false))
                return;
            Fill();
        }
    }

    private async Task ProcessAsync(CancellationToken abort)
    {
        Detector.DetectResult[] results;
        observers?.Monitor.Detector.Begin();
        try
        {
            long started = Stopwatch.GetTimestamp();
            results = detector.Detect(_batch);
            if (appearance) AddAppearance(results);
            if (observers is not null)
            {
                var elapsed = Stopwatch.GetElapsedTime(started);
                var times = detector.LastStageTimes;
                observers.Metrics?.RecordDetectorCall(elapsed, _batch.Count, times);
                observers.Tracer?.Detected(_batch, started, elapsed, times);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Detect reports bad frames per frame; anything it throws is unexpected, but costs this batch, not the service.
            results = new Detector.DetectResult[_batch.Count];
            for (int i = 0; i < _batch.Count; i++)
                results[i] = Detector.DetectResult.Failure(_batch[i].Info, $"detector failed: {e.Message}");
        }
        finally
        {
            foreach (var frame in _batch)
            {
                // After the call rather than before: the tracker then gets this frame before the next one is offered.
                observers?.View?.Offer(frame);
                frame.Dispose();
            }
            _batch.Clear();
            Array.Clear(_taken);
            _next = (_next + 1) % feeds.Count;
            observers?.Monitor.Detector.End();
        }
        foreach (var result in results)
        {
            if (!_counters.TryGetValue(result.Info.CameraId, out var counters))
                continue;
            if (result.Detected is { } detected)
            {
                counters.CountProcessed();
                await output.WriteAsync(detected, abort).ConfigureAwait(false);
            }
            else
            {
                counters.CountFailure($"frame {result.Info.FrameNumber}: {result.Error}");
                observers?.Tracer?.Failed(result.Info, result.Error ?? "failed");
            }
        }
    }

    /// <summary>Gives each successful result's detections their histograms, from the batch frame it was made on.</summary>
    private void AddAppearance(Detector.DetectResult[] results)
    {
        for (int i = 0; i < results.Length && i < _batch.Count; i++)
        {
            if (results[i].Detected is { } detected && ReferenceEquals(detected.Info, _batch[i].Info))
                results[i] = Detector.DetectResult.Success(DetectionAppearance.Add(detected, _batch[i].Pixels));
        }
    }

    private bool AllDone()
    {
        foreach (var feed in feeds)
        {
            if (!feed.Frames.Reader.Completion.IsCompleted)
                return false;
        }
        return true;
    }
}
