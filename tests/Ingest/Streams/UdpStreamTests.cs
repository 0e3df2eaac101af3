using MaskStream.Ingest.Supervision;
using MaskStream.Ingest.Tests.Support;
using static MaskStream.Ingest.Tests.Streams.TestStreams;

namespace MaskStream.Ingest.Tests.Streams;

/// <summary>MPEG-TS over UDP sent by a real ffmpeg on loopback, read through the ffmpeg child process.</summary>
public sealed class UdpStreamTests
{
    [Fact]
    public async Task Udp_MpegTs_FramesOfTheServedSizeInOrder_AndNoFfmpegLeftAfterwards()
    {
        int port = ServingProcess.FreeUdpPort();
        var url = $"udp://127.0.0.1:{port}";
        var reader = new BackgroundReader(Supervised("yard", url, Quick));
        using (ServingProcess.Ffmpeg($"{url}?pkt_size=1316", "mpegts"))
        {
            await reader.WaitForFramesAsync(10, Long);
            Assert.Equal(SourceState.Online, reader.Source.Status.State);
            Assert.Equal((160, 120, 25.0), (reader.Source.Width, reader.Source.Height, reader.Source.FramesPerSecond));
            await reader.DisposeAsync();
        }

        var frames = reader.Frames;
        Assert.Equal(Enumerable.Range(0, frames.Count).Select(i => (long)i), frames.Select(f => f.FrameNumber));
        Assert.All(frames, f => Assert.Equal(("yard", 160, 120), (f.CameraId, f.Width, f.Height)));
        // The stream's own pts (MPEG-TS starts well above 0), one frame interval (40 ms at 25 fps) apart.
        Assert.True(frames[0].Pts > TimeSpan.Zero, $"first pts {frames[0].Pts}");
        for (int i = 1; i < frames.Count; i++)
            Assert.Equal(40.0, (frames[i].Pts!.Value - frames[i - 1].Pts!.Value).TotalMilliseconds, 0.5);
        Assert.Equal(frames.Select(f => f.CaptureTime), frames.Select(f => f.CaptureTime).Order());
        Assert.Equal(SourceState.Stopped, reader.Source.Status.State);
        Assert.NotEmpty(reader.Processes);
        Assert.All(reader.Processes, pid => Assert.False(ChildProcesses.Exists(pid), $"ffmpeg {pid} still exists after the read ended"));
        Assert.Empty(ChildProcesses.WithCommandLine(url));
    }
}
