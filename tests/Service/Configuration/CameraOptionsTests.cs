using MaskStream.Ingest;
using MaskStream.Service.Configuration;
using Microsoft.Extensions.Configuration;

namespace MaskStream.Service.Tests.Configuration;

/// <summary>Per-camera reading options, <c>Cameras:N:…</c>: bound onto the source options, a bad value named by its key.</summary>
public sealed class CameraOptionsTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => KeyValuePair.Create(v.Key, (string?)v.Value))).Build();

    [Fact]
    public void Bind_EveryOption_ReachesTheSourceOptions()
    {
        var cameras = CameraOptions.Bind(Config(
            ("Cameras:0:Id", "door"), ("Cameras:0:Uri", "rtsp://cam/1"), ("Cameras:0:RtspTransport", "udp"),
            ("Cameras:0:StallTimeout", "00:00:05"), ("Cameras:0:OpenTimeout", "00:00:30"),
            ("Cameras:0:ReconnectMin", "00:00:00.5"), ("Cameras:0:ReconnectMax", "00:01:00"),
            ("Cameras:1:Id", "clip"), ("Cameras:1:Uri", "clip.mp4"), ("Cameras:1:Pace", "fast"), ("Cameras:1:AtEnd", "loop")));

        Assert.Equal(new SourceOptions
        {
            RtspTransport = RtspTransport.Udp,
            StallTimeout = TimeSpan.FromSeconds(5),
            OpenTimeout = TimeSpan.FromSeconds(30),
            ReconnectMin = TimeSpan.FromMilliseconds(500),
            ReconnectMax = TimeSpan.FromMinutes(1),
        }, cameras[0].Source);
        Assert.Equal(SourceOptions.Default with { Pace = FramePace.Fast, AtEnd = EndOfStream.Loop }, cameras[1].Source);
    }

    [Theory]
    [InlineData("Pace", "slow", "Cameras:0:Pace = 'slow': expected one of Native, Fast")]
    [InlineData("AtEnd", "rewind", "Cameras:0:AtEnd = 'rewind': expected one of Stop, Loop")]
    [InlineData("RtspTransport", "http", "Cameras:0:RtspTransport = 'http': expected one of Tcp, Udp")]
    [InlineData("StallTimeout", "5s", "Cameras:0:StallTimeout = '5s': expected a time span")]
    [InlineData("StallTimeout", "00:00:00", "Cameras:0:StallTimeout = '00:00:00': must be above 0 and at most 00:10:00")]
    [InlineData("ReconnectMax", "00:00:00.100", "Cameras:0:ReconnectMax = '00:00:00.1000000': must be at least ReconnectMin (00:00:01)")]
    [InlineData("Stall", "00:00:05", "Cameras:0:Stall = '00:00:05': unknown key; Cameras:0 has AtEnd, Id, OpenTimeout, Pace")]
    public void Bind_BadValue_NamesTheKey(string key, string value, string expected)
    {
        var e = Assert.Throws<ConfigurationException>(() => CameraOptions.Bind(Config(
            ("Cameras:0:Id", "door"), ("Cameras:0:Uri", "rtsp://cam/1"), ($"Cameras:0:{key}", value))));

        Assert.StartsWith(expected, e.Message, StringComparison.Ordinal);
    }
}
