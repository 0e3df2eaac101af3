using MaskStream.Ingest.Supervision;

namespace MaskStream.Ingest.Tests.Streams;

internal static class TestStreams
{
    public static readonly TimeSpan Long = TimeSpan.FromSeconds(25);

    /// <summary>Short stall and backoff so that a reconnect shows within a test; opening keeps room for ffmpeg's
    /// MPEG-TS probing (5 s) on a busy machine.</summary>
    public static readonly SourceOptions Quick = new()
    {
        StallTimeout = TimeSpan.FromSeconds(2),
        OpenTimeout = TimeSpan.FromSeconds(15),
        ReconnectMin = TimeSpan.FromMilliseconds(200),
        ReconnectMax = TimeSpan.FromSeconds(1),
    };

    public static SupervisedSource Supervised(string camera, string url, SourceOptions options) =>
        Assert.IsType<SupervisedSource>(FrameSourceFactory.Open(camera, url, options));
}
