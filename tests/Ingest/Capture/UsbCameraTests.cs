using MaskStream.Ingest.Supervision;
using MaskStream.Ingest.Tests.Support;
using static MaskStream.Ingest.Tests.Streams.TestStreams;

namespace MaskStream.Ingest.Tests.Capture;

/// <summary>USB cameras go through OpenCV's V4L2 backend, supervised like any live source. No camera is attached
/// where the tests run, so what is tested is the absent one: it keeps retrying with the reason on its state.</summary>
public sealed class UsbCameraTests
{
    [Theory]
    [InlineData("/dev/video97")]
    [InlineData("usb://61")]
    public async Task AbsentCamera_ReconnectingWithTheReason(string uri)
    {
        await using var reader = new BackgroundReader(Supervised("desk", uri, Quick));

        var status = await reader.WaitForAsync(s => s.Reconnects >= 1, Long, "a retry");

        Assert.Equal(SourceState.Reconnecting, status.State);
        Assert.Equal($"cannot open camera '{uri}' (absent, busy, or no permission)", status.LastError);
        Assert.Empty(reader.Frames);
    }
}
