using MaskStream.Ingest;
using MaskStream.Ingest.Supervision;
using MaskStream.Publish.Payloads;

namespace MaskStream.Service.Pipeline;

/// <summary>
/// Reads one camera into its queue until the stream ends or the service stops, then completes the queue. A live
/// camera comes supervised (<see cref="SupervisedSource"/>): it reconnects by itself and never ends on its own, and
/// its connecting / online / reconnecting states, last error and reconnect count are passed on to the status topic.
/// </summary>
internal static class CameraReader
{
    /// <param name="wake">Released after every frame so the detector stage, which waits on all cameras, looks again.</param>
    public static async Task RunAsync(CameraFeed feed, SemaphoreSlim wake, CancellationToken stop)
    {
        var writer = feed.Frames.Writer;
        var supervised = feed.Source as SupervisedSource;
        string? logged = null;
        void OnStatus(SourceStatus status)
        {
            var error = status.LastError is null ? null : $"camera '{feed.Id}': {status.LastError}";
            feed.Counters.SetState(StateOf(status.State), error, status.Reconnects);
            // One log line per new problem, not one per retry of a camera that stays down.
            if (status.State == SourceState.Reconnecting && error is not null && error != logged)
            {
                logged = error;
                Console.Error.WriteLine($"maskstream: {error}");
            }
            else if (status.State == SourceState.Online && logged is not null)
            {
                logged = null;
                Console.Error.WriteLine($"maskstream: camera '{feed.Id}': online again after {status.Reconnects} reconnects");
            }
        }
        if (supervised is not null)
            supervised.StatusChanged += OnStatus;
        try
        {
            await foreach (var frame in feed.Source.ReadAsync(stop).ConfigureAwait(false))
            {
                feed.Counters.CountRead();
                if (supervised is null && feed.Counters.State != StatusStates.Online)
                    feed.Counters.SetState(StatusStates.Online);
                try
                {
                    await writer.WriteAsync(frame, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    // Read just as the service stopped (or still waiting for room in a finite source's queue).
                    frame.Dispose();
                    feed.Counters.CountDrop(CameraFeed.Shutdown);
                    throw;
                }
                catch
                {
                    frame.Dispose();
                    throw;
                }
                wake.Release();
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // A camera that fails mid-stream stops alone; the message may carry the URI (sources redact passwords in their messages).
            feed.Counters.SetError($"camera '{feed.Id}': {UriRedaction.RedactText(e.Message)}");
            await Console.Error.WriteLineAsync($"maskstream: {feed.Counters.LastError}").ConfigureAwait(false);
        }
        finally
        {
            if (supervised is not null)
                supervised.StatusChanged -= OnStatus;
            feed.Counters.SetState(StatusStates.Offline);
            writer.TryComplete();
            wake.Release();
        }
    }

    private static string StateOf(SourceState state) => state switch
    {
        SourceState.Connecting => StatusStates.Connecting,
        SourceState.Online => StatusStates.Online,
        SourceState.Reconnecting => StatusStates.Reconnecting,
        _ => StatusStates.Offline,
    };
}
