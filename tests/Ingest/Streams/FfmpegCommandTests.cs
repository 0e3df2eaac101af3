using MaskStream.Ingest.Streams;

namespace MaskStream.Ingest.Tests.Streams;

public sealed class FfmpegCommandTests
{
    [Theory]
    [InlineData("  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, gbr/unknown/unknown, progressive), 320x240 [SAR 1:1 DAR 4:3], q=2-31, 46080 kb/s, 25 fps, 25 tbn", 320, 240, 25.0)]
    [InlineData("  Stream #0:0(und): Video: rawvideo (BGR[24] / 0x18524742), bgr24, 1920x1080, q=2-31, 1244160 kb/s, 29.97 fps, 29.97 tbn", 1920, 1080, 29.97)]
    [InlineData("  Stream #0:0: Video: rawvideo (BGR[24] / 0x18524742), bgr24(pc, progressive), 640x480, q=2-31", 640, 480, 0.0)]
    public void TryParseOutputStream_FfmpegOutputLine_GivesSizeAndFps(string line, int width, int height, double fps)
    {
        Assert.True(FfmpegCommand.TryParseOutputStream(line, out int w, out int h, out double f));
        Assert.Equal((width, height, fps), (w, h, f));
    }

    [Theory]
    [InlineData("  Stream #0:0: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 320x240 [SAR 1:1 DAR 4:3], 25 fps, 25 tbr, 90k tbn")]
    [InlineData("Output #0, rawvideo, to 'pipe:1':")]
    public void TryParseOutputStream_OtherLines_AreNotTheOutputStream(string line)
    {
        Assert.False(FfmpegCommand.TryParseOutputStream(line, out _, out _, out _));
    }

    [Fact]
    public async Task PtsLog_ShowinfoLines_GiveEachFrameItsPtsByIndex()
    {
        var log = new PtsLog();
        Assert.True(log.TryAdd("[Parsed_showinfo_0 @ 0x55a888b82240] config in time_base: 1/90000, frame_rate: 25/1"));
        Assert.True(log.TryAdd("[Parsed_showinfo_0 @ 0x55a888b82240] n:   0 pts: 126000 pts_time:1.4     pos:  564 fmt:yuv420p sar:1/1 s:160x120 i:P iskey:1 type:I mean:[111 131 130]"));
        Assert.True(log.TryAdd("[Parsed_showinfo_0 @ 0x55a888b82240] color_range:tv color_space:unknown"));
        Assert.True(log.TryAdd("[Parsed_showinfo_0 @ 0x55a888b82240] n:   2 pts: 133200 pts_time:1.48    pos: 1880 fmt:yuv420p"));
        Assert.False(log.TryAdd("[mpegts @ 0x55] Packet corrupt (stream = 0, dts = 1260000)."));

        Assert.Equal(TimeSpan.FromSeconds(1.4), await log.TakeAsync(0, CancellationToken.None));
        Assert.Null(await log.TakeAsync(1, CancellationToken.None)); // its line never came: no pts, and frame 2 keeps its own
        Assert.Equal(TimeSpan.FromSeconds(1.48), await log.TakeAsync(2, CancellationToken.None));
    }

    [Fact]
    public void Arguments_Rtsp_TransportFromOptionsAndRawBgrOnStdout()
    {
        var args = string.Join(' ', FfmpegCommand.Arguments("rtsp://cam/1", new SourceOptions { RtspTransport = RtspTransport.Udp }));

        Assert.Contains("-rtsp_transport udp -fflags nobuffer+discardcorrupt -flags low_delay -i rtsp://cam/1 ", args, StringComparison.Ordinal);
        Assert.EndsWith("-f rawvideo -pix_fmt bgr24 pipe:1", args, StringComparison.Ordinal);
        Assert.DoesNotContain("-rtsp_transport", string.Join(' ', FfmpegCommand.Arguments("http://cam/1.mjpg", SourceOptions.Default)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[rtsp @ 0x55] rtsp://admin:hunter2@10.0.0.9:554/s: Connection refused", "[rtsp @ 0x55] rtsp://admin:***@10.0.0.9:554/s: Connection refused")]
    [InlineData("from rtsp://a:b@h/x and http://c:d@h2/y", "from rtsp://a:***@h/x and http://c:***@h2/y")]
    [InlineData("rtsp://user@host/x no password", "rtsp://user@host/x no password")]
    [InlineData("no url at all", "no url at all")]
    public void RedactText_EveryPasswordInAnErrorLine(string text, string expected)
    {
        Assert.Equal(expected, UriRedaction.RedactText(text));
    }

    [Theory]
    [InlineData("rtsp://", "camera 'cam': 'rtsp://' is not a valid rtsp:// URL (expected rtsp://host[:port]/path)")]
    [InlineData("http://user:pw@/x", "camera 'cam': 'http://user:***@/x' is not a valid http:// URL (expected http://host[:port]/path)")]
    [InlineData("usb://front", "camera 'cam': 'usb://front': expected usb://N with N the camera index (0, 1, ...)")]
    public void Open_MalformedUrl_NamesCameraWithPasswordRedacted(string uri, string expected)
    {
        var e = Assert.Throws<FrameSourceException>(() => FrameSourceFactory.Open("cam", uri));
        Assert.Equal(expected, e.Message);
    }
}
