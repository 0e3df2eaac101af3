using MaskStream.Ingest;

namespace MaskStream.Service.Pipeline;

/// <summary>Reads one camera into its queue until the stream ends or the service stops, then completes the queue.</summary>
internal static class CameraReader
{
    /// <param name="wake">Released after every frame so the detector stage, which waits on all cameras, looks again.</param>
    public static async Task RunAsync(CameraFeed feed, SemaphoreSlim wake, CancellationToken stop)
    {
        var writer = feed.Frames.Writer;
        try
        {
            await foreach (var frame in feed.Source.ReadAsync(stop).ConfigureAwait(false))
            {
                feed.Counters.CountRead();
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
            feed.Counters.SetError($"camera '{feed.Id}': {e.Message}");
            await Console.Error.WriteLineAsync($"maskstream: {feed.Counters.LastError}").ConfigureAwait(false);
        }
        finally
        {
            feed.Counters.Online = false;
            writer.TryComplete();
            wake.Release();
        }
    }
}
