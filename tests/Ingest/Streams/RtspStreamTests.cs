using MaskStream.Ingest.Supervision;
using MaskStream.Ingest.Tests.Support;
using static MaskStream.Ingest.Tests.Streams.TestStreams;

namespace MaskStream.Ingest.Tests.Streams;

/// <summary>RTSP from GStreamer's RTSP server (tests/Ingest/Streams/rtsp_server.py) over either transport, with and
/// without credentials.</summary>
public sealed class RtspStreamTests
{
    [Theory]
    [InlineData(RtspTransport.Tcp)]
    [InlineData(RtspTransport.Udp)]
    public async Task Rtsp_FramesArriveOverEitherTransport(RtspTransport transport)
    {
        int port = ServingProcess.FreeTcpPort();
        using var server = await ServingProcess.RtspAsync(port);
        await using var reader = new BackgroundReader(Supervised("rtsp", $"rtsp://127.0.0.1:{port}/test", Quick with { RtspTransport = transport }));

        await reader.WaitForFramesAsync(10, Long);

        Assert.All(reader.Frames, f => Assert.Equal((160, 120), (f.Width, f.Height)));
        var ffmpeg = Assert.Single(ChildProcesses.WithCommandLine($"127.0.0.1:{port}/test"));
        Assert.Contains($"-rtsp_transport {transport.ToString().ToLowerInvariant()} ",
            File.ReadAllText($"/proc/{ffmpeg}/cmdline").Replace('\0', ' '), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Rtsp_WithCredentials_ReadsAndAWrongPasswordShowsTheRedactedError()
    {
        int port = ServingProcess.FreeTcpPort();
        using var server = await ServingProcess.RtspAsync(port, "viewer", "s3cret");
        await using var good = new BackgroundReader(Supervised("good", $"rtsp://viewer:s3cret@127.0.0.1:{port}/test", Quick));
        await using var bad = new BackgroundReader(Supervised("bad", $"rtsp://viewer:wrong-pw@127.0.0.1:{port}/test", Quick));

        await good.WaitForFramesAsync(5, Long);
        var failed = await bad.WaitForAsync(s => s.State == SourceState.Reconnecting && s.LastError is not null, Long, "the wrong password's error");

        Assert.Equal($"rtsp://viewer:***@127.0.0.1:{port}/test: ffmpeg ended before the first frame (exit code 1): " +
            $"rtsp://viewer:***@127.0.0.1:{port}/test: Server returned 401 Unauthorized (authorization failed)", failed.LastError);
        Assert.DoesNotContain("wrong-pw", bad.Describe(), StringComparison.Ordinal);
        Assert.Empty(bad.Frames);
    }
}
