using System.Diagnostics;
using System.Globalization;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;

namespace MaskStream.Service.Pipeline;

/// <summary>
/// The service's figures: on a terminal a line rewritten in place every second, otherwise a plain log line every
/// 10 s (journald, docker logs). Also refreshes each camera's retained status topic (fps, last error) every 5 s.
/// </summary>
internal sealed class ProgressReporter(
    IReadOnlyList<CameraCounters> cameras,
    MqttPublisher publisher,
    LatencyWindow latency,
    TextWriter output,
    bool terminal)
{
    private static readonly TimeSpan StatusPeriod = TimeSpan.FromSeconds(5);

    private readonly long[] _lastPublished = new long[cameras.Count];

    /// <summary>Reading a camera's state and queueing its status happen under one lock: a refresh on the timer and a
    /// change on the camera's reader could otherwise queue in the opposite order and leave a stale retained state.</summary>
    private readonly Lock _statusGate = new();

    private bool _lineOpen;

    public async Task RunAsync(CancellationToken stop)
    {
        var period = terminal ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10);
        var window = Stopwatch.StartNew();
        var sinceStatus = Stopwatch.StartNew();
        using var timer = new PeriodicTimer(period);
        foreach (var c in cameras)
            c.StateChanged += PublishStatus;
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                Report(window.Elapsed.TotalSeconds);
                window.Restart();
                if (sinceStatus.Elapsed >= StatusPeriod)
                {
                    PublishStatuses();
                    sinceStatus.Restart();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
        foreach (var c in cameras)
            c.StateChanged -= PublishStatus;
        if (_lineOpen)
            await output.WriteLineAsync().ConfigureAwait(false);
    }

    /// <summary>Retained status of every camera: its state (online with its fps while it runs; connecting,
    /// reconnecting or offline) and its last error.</summary>
    public void PublishStatuses()
    {
        foreach (var c in cameras)
            PublishStatus(c);
    }

    private void PublishStatus(CameraCounters c)
    {
        lock (_statusGate)
        {
            var state = c.State;
            publisher.PublishCameraStatus(c.Id, state, state == StatusStates.Online ? c.Fps : 0, c.LastError, c.Reconnects);
        }
    }

    private void Report(double seconds)
    {
        double fps = 0;
        long objects = 0, drops = 0, failed = 0;
        int tracks = 0;
        for (int i = 0; i < cameras.Count; i++)
        {
            var c = cameras[i];
            long published = c.Published;
            c.Fps = seconds > 0 ? Math.Round((published - _lastPublished[i]) / seconds, 2) : 0;
            _lastPublished[i] = published;
            fps += c.Fps;
            objects += c.Objects;
            tracks += c.Tracks;
            drops += c.Dropped;
            failed += c.Failed;
        }
        var (p50, p99, _) = latency.TakePercentiles();
        var line = string.Create(CultureInfo.InvariantCulture,
            $"{fps:0.0} fps, latency p50 {Ms(p50)} p99 {Ms(p99)}, {objects} objects, {tracks} tracks, {drops} frames dropped" +
            $"{(failed > 0 ? $", {failed} failed" : "")}, {publisher.PublishedCount} messages" +
            $"{(publisher.DroppedCount > 0 ? $" ({publisher.DroppedCount} dropped)" : "")}, outbox {publisher.OutboxDepth}");
        if (terminal)
        {
            // \e[K wipes the rest of a longer previous line.
            output.Write($"\r{line}\u001b[K");
            _lineOpen = true;
        }
        else
        {
            output.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ssZ} {line}");
        }
    }

    private static string Ms(double ms) => double.IsNaN(ms) ? "-" : string.Create(CultureInfo.InvariantCulture, $"{ms:0} ms");
}
