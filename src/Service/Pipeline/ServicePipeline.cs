using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using MaskStream.Core.Objects;
using MaskStream.Ingest;
using MaskStream.Publish;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;
using MaskStream.Service.Configuration;
using MaskStream.Service.Telemetry;

namespace MaskStream.Service.Pipeline;

/// <summary>
/// The running service: a reader per camera → detector stage (batches across cameras) → tracking stage (a tracker per
/// camera) → publish stage (MQTT outbox). Stopping is the same path as a finite source ending: readers stop and
/// complete their queues, each stage drains what is in flight and completes the next queue, then the outbox is flushed
/// — all within <see cref="ServiceSettings.ShutdownTimeout"/>.
/// </summary>
internal sealed class ServicePipeline(ServiceOptions options, Detector.Detector detector, MqttPublisher publisher, TextWriter output,
    PipelineObservers? observers = null)
{
    /// <summary>Depth of the queues between detector, tracker and publisher: small, since those stages keep up with each other.</summary>
    private const int StageQueue = 16;

    public IReadOnlyList<CameraCounters> Cameras { get; } = observers?.Monitor.Cameras ?? options.Cameras.Select(c => new CameraCounters(c.Id)).ToArray();

    /// <summary>Runs until every camera has ended or failed, or <paramref name="stop"/> fires; then drains and flushes.</summary>
    /// <param name="stop">Stops the service.</param>
    /// <param name="camerasStarting">Called once the detector is warmed up, just before the cameras are read (a benchmark
    /// starts its clock there).</param>
    /// <returns>How many cameras opened (0: every camera failed).</returns>
    public async Task<int> RunAsync(CancellationToken stop, Action? camerasStarting = null)
    {
        var feeds = OpenCameras();
        var latency = new LatencyWindow();
        var reporter = new ProgressReporter(Cameras, publisher, latency, output, terminal: !Console.IsOutputRedirected);
        reporter.PublishStatuses();
        if (feeds.Count == 0)
        {
            await publisher.StopAsync(options.Service.ShutdownTimeout).ConfigureAwait(false);
            return 0;
        }

        try
        {
            var warmUp = DetectorWarmUp.Run(detector, feeds, options.Detector.MaxBatch, options.Tracking.Appearance);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"maskstream: detector warmed up in {warmUp.TotalSeconds:0.00} s")).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A warm-up is an optimisation: the detector stage reports a failing frame per frame, and the cameras must start.
            await Console.Error.WriteLineAsync($"maskstream: detector warm-up failed, the cameras start anyway: {e.Message}").ConfigureAwait(false);
        }

        var wake = new SemaphoreSlim(0, int.MaxValue);
        var detected = Channel.CreateBounded<DetectedFrame>(new BoundedChannelOptions(StageQueue) { SingleReader = true, SingleWriter = true });
        var tracked = Channel.CreateBounded<TrackedFrame>(new BoundedChannelOptions(StageQueue) { SingleReader = true, SingleWriter = true });
        using var abort = new CancellationTokenSource();
        using var reporting = new CancellationTokenSource();

        observers?.Monitor.Attach(feeds, detected.Reader, tracked.Reader);
        var detectorStage = new DetectorStage(detector, feeds, wake, detected.Writer, options.Detector.MaxBatch, options.Detector.MaxBatchWait, observers,
            appearance: options.Tracking.Appearance);
        var trackingStage = TrackingStage.Create(options.Tracking, feeds, detected.Reader, tracked.Writer, observers);
        // Checked writable when the settings were validated; the same boot id as the MQTT messages.
        await using var jsonl = options.Service.Jsonl.Length > 0
            ? new JsonlSink(options.Service.Jsonl, new ObjectsEncoder(detector.Manifest.Classes, publisher.BootId))
            : null;
        var publishStage = new PublishStage(publisher, options.Tracking, feeds, tracked.Reader, latency, observers, jsonl);
        var stages = Task.WhenAll(
            Task.Run(() => detectorStage.RunAsync(abort.Token), CancellationToken.None),
            Task.Run(() => trackingStage.RunAsync(abort.Token), CancellationToken.None),
            Task.Run(() => publishStage.RunAsync(abort.Token), CancellationToken.None));
        var progress = reporter.RunAsync(reporting.Token);
        camerasStarting?.Invoke();
        var readers = feeds.Select(f => Task.Run(() => CameraReader.RunAsync(f, wake, stop), CancellationToken.None)).ToArray();

        await Task.WhenAll(readers).ConfigureAwait(false);
        var drain = Stopwatch.StartNew();
        await DrainAsync(stages, abort, stop.IsCancellationRequested).ConfigureAwait(false);
        observers?.Tracer?.AbandonAll();
        await reporting.CancelAsync().ConfigureAwait(false);
        await progress.ConfigureAwait(false);

        foreach (var feed in feeds)
            await feed.Source.DisposeAsync().ConfigureAwait(false);
        reporter.PublishStatuses();
        var flushTime = options.Service.ShutdownTimeout - drain.Elapsed;
        await publisher.StopAsync(flushTime > TimeSpan.FromSeconds(1) ? flushTime : TimeSpan.FromSeconds(1)).ConfigureAwait(false);
        return feeds.Count;
    }

    /// <summary>Opens every camera; one that cannot be opened is reported (status topic and stderr) and the rest run.</summary>
    private List<CameraFeed> OpenCameras()
    {
        var feeds = new List<CameraFeed>();
        for (int i = 0; i < options.Cameras.Count; i++)
        {
            var camera = options.Cameras[i];
            try
            {
                feeds.Add(new CameraFeed(FrameSourceFactory.Open(camera.Id, camera.Uri, camera.Source), Cameras[i], options.Service.FrameQueue));
                Cameras[i].Online = true;
            }
            catch (FrameSourceException e)
            {
                Cameras[i].SetError(e.Message);
                Console.Error.WriteLine($"maskstream: {e.Message}");
            }
        }
        return feeds;
    }

    /// <summary>Waits for the stages to finish what is queued. When the service is stopping (rather than its sources
    /// having ended) the wait is bounded; what is left after that is given up and its frames disposed.</summary>
    private async Task DrainAsync(Task stages, CancellationTokenSource abort, bool stopping)
    {
        try
        {
            if (stopping)
                await stages.WaitAsync(options.Service.ShutdownTimeout).ConfigureAwait(false);
            else
                await stages.ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await Console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"maskstream: frames still in flight after Service:ShutdownTimeout ({options.Service.ShutdownTimeout.TotalSeconds:0.#} s) were dropped")).ConfigureAwait(false);
            await abort.CancelAsync().ConfigureAwait(false);
            try
            {
                await stages.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }
}
