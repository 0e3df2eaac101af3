using MaskStream.Detector.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>
/// The whole detector against torchvision's own model on the same weights and frames (tools/model/reference.py, run
/// in the test), by issue 5's criteria (<see cref="DetectionParity"/>): here a random-init tiny model, whose 100
/// detections per frame all score above 0.3, on three frames.
/// </summary>
[Collection(TinyModelCollection.Name)]
public sealed class EndToEndParityTests(TinyModelFixture model, ITestOutputHelper output)
{
    [Fact]
    public void Detect_TinyModelOnThreeFrames_MatchesTorchvisionDetections()
    {
        using var detector = Detector.Load(model.ModelDir);
        var expected = DetectionParity.ReadJsonl(model.ReferenceJsonl);
        Assert.Equal(3, expected.Length);
        var parity = new DetectionParity(0.3f);
        foreach (var frameJson in expected)
        {
            string source = frameJson.GetProperty("source").GetString()!;
            using var frame = Fixtures.LoadFrame(Path.Combine(model.FramesDir, source));
            var result = detector.Detect([frame])[0];
            Assert.True(result.IsSuccess, result.Error);
            parity.Check(frameJson, result.Detected!.Detections, frame.Info.Height, frame.Info.Width, source);
        }
        output.WriteLine(parity.ToString());
        Assert.True(parity.Matched >= 10, $"only {parity.Matched} torchvision detections >= 0.3: the fixture model detects too little to test");
    }
}
