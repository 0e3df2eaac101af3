using System.Diagnostics;
using MaskStream.Core.Frames;
using MaskStream.Ingest.Supervision;
using MaskStream.Ingest.Tests.Support;
using static MaskStream.Ingest.Tests.Streams.TestStreams;

namespace MaskStream.Ingest.Tests.Streams;

/// <summary>Live-stream failures against a real RTSP server: stopped and restarted, frozen without closing
/// (SIGSTOP), or not there at all (connection refused) next to a camera that keeps running.</summary>
public sealed class RtspReconnectTests
{
    [Fact]
    public async Task ServerStoppedAndRestarted_ReconnectingThenOnlineAgain()
    {
        int port = ServingProcess.FreeTcpPort();
        var url = $"rtsp://127.0.0.1:{port}/test";
        var server = await ServingProcess.RtspAsync(port);
        await using var reader = new BackgroundReader(Supervised("rtsp", url, Quick));
        SourceState[] states;
        IReadOnlyList<FrameInfo> frames;
        try
        {
            await reader.WaitForFramesAsync(5, Long);
            server.Dispose();
            var lost = await reader.WaitForAsync(s => s.State == SourceState.Reconnecting, Long, "reconnecting after the server stopped");
            Assert.StartsWith($"{url}: ", lost.LastError, StringComparison.Ordinal);
            int before = reader.Frames.Count;

            server = await ServingProcess.RtspAsync(port);
            await reader.WaitForAsync(s => s.State == SourceState.Online && s.Reconnects >= 1, Long, "online again after the restart");
            await reader.WaitForFramesAsync(before + 5, Long);
            // Taken while the server still runs: stopping it below makes the reader reconnect again, at any moment.
            states = [.. reader.Statuses.Select(s => s.State)];
            frames = reader.Frames;
        }
        finally
        {
            server.Dispose();
        }

        Assert.Equal([SourceState.Connecting, SourceState.Online, SourceState.Reconnecting, SourceState.Online],
            Collapse(states));
        // One snapshot: each read of reader.Frames copies the list, and frames still arrive while it is read.
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.FrameNumber));
    }

    [Fact]
    public async Task ServerFrozen_StallDetectedWithinStallTimeout_OnlineAgainWhenItResumes()
    {
        int port = ServingProcess.FreeTcpPort();
        var url = $"rtsp://127.0.0.1:{port}/test";
        using var server = await ServingProcess.RtspAsync(port);
        await using var reader = new BackgroundReader(Supervised("rtsp", url, Quick));
        await reader.WaitForFramesAsync(5, Long);

        server.Suspend();
        var suspended = Stopwatch.StartNew();
        var stalled = await reader.WaitForAsync(s => s.State == SourceState.Reconnecting, Long, "the stall");
        var noticedAfter = suspended.Elapsed;
        server.Resume();
        await reader.WaitForAsync(s => s.State == SourceState.Online && s.Reconnects >= 1, Long, "online after resuming");

        Assert.Equal($"{url}: no frame within 2 s (StallTimeout); reconnecting", stalled.LastError);
        // The watchdog looks 8 times per StallTimeout; frames already in the pipes may still arrive just after SIGSTOP.
        Assert.True(noticedAfter < Quick.StallTimeout + TimeSpan.FromSeconds(2.5), $"stall noticed after {noticedAfter}");
    }

    [Fact]
    public async Task ConnectionRefused_StateShowsTheRedactedError_AndAnotherCameraRunsOn()
    {
        int closed = ServingProcess.FreeTcpPort();
        int port = ServingProcess.FreeTcpPort();
        using var server = await ServingProcess.RtspAsync(port);
        await using var refused = new BackgroundReader(Supervised("door", $"rtsp://admin:hunter2@127.0.0.1:{closed}/stream", Quick));
        await using var other = new BackgroundReader(Supervised("yard", $"rtsp://127.0.0.1:{port}/test", Quick));

        var failed = await refused.WaitForAsync(s => s.State == SourceState.Reconnecting && s.LastError is not null, Long, "the refused connection");
        await refused.WaitForAsync(s => s.Reconnects >= 2, Long, "retries");
        await other.WaitForFramesAsync(10, Long);

        Assert.StartsWith($"rtsp://admin:***@127.0.0.1:{closed}/stream: ffmpeg ended before the first frame (exit code 1): ", failed.LastError, StringComparison.Ordinal);
        Assert.Contains("Connection refused", failed.LastError, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", refused.Describe(), StringComparison.Ordinal);
        Assert.Empty(refused.Frames);
        Assert.Equal((SourceState.Online, 0), (other.Source.Status.State, other.Source.Status.Reconnects));
    }

    private static List<SourceState> Collapse(IEnumerable<SourceState> states)
    {
        var collapsed = new List<SourceState>();
        foreach (var s in states)
        {
            if (collapsed.Count == 0 || collapsed[^1] != s)
                collapsed.Add(s);
        }
        return collapsed;
    }
}
