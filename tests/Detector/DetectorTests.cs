using MaskStream.Core.Frames;
using MaskStream.Detector.Tests.Support;
using Xunit.Abstractions;

namespace MaskStream.Detector.Tests;

/// <summary>The front door: bad frames, batches, score cut, steady-state allocation.</summary>
[Collection(TinyModelCollection.Name)]
public sealed class DetectorTests(TinyModelFixture model, ITestOutputHelper output)
{
    private Frame Load(string name) => Fixtures.LoadFrame(Path.Combine(model.FramesDir, name));

    [Fact]
    public void Detect_BadFramesInABatch_GetAnErrorEachAndTheGoodFrameIsUnaffected()
    {
        using var detector = Detector.Load(model.ModelDir, new DetectorOptions { MaxFrameWidth = 400, MaxFrameHeight = 300 });
        using var good = Load("000001.png");
        var alone = detector.Detect([good])[0];

        using var oversized = new Frame(new FrameInfo("cam", 1, default, null, 401, 10), PixelBuffer.Rent(401, 10));
        using var mismatched = new Frame(new FrameInfo("cam", 2, default, null, 320, 240), PixelBuffer.Rent(32, 24));
        using var zero = new Frame(new FrameInfo("cam", 3, default, null, 0, 240), PixelBuffer.Rent(32, 24));
        var returned = new Frame(new FrameInfo("cam", 4, default, null, 32, 24), PixelBuffer.Rent(32, 24));
        returned.Dispose();

        var results = detector.Detect([oversized, good, mismatched, zero, returned]);
        Assert.Equal("frame 401x10 exceeds the configured maximum 400x300 (Detector:MaxFrameWidth / Detector:MaxFrameHeight)", results[0].Error);
        Assert.Equal("corrupt frame: its info says 320x240 but its pixel buffer is 32x24", results[2].Error);
        Assert.Equal("zero-size frame (0x240)", results[3].Error);
        Assert.Equal("frame pixels were already returned to their pool", results[4].Error);
        Assert.Equal(4, results[4].Info.FrameNumber);
        Assert.True(results[1].IsSuccess);
        Assert.Equal(alone.Detected!.Detections.Select(Key), results[1].Detected!.Detections.Select(Key));
    }

    [Fact]
    public void Detect_TwoFramesOfOneSize_GivesEachItsOwnResult()
    {
        using var detector = Detector.Load(model.ModelDir);
        using var a = Load("000001.png");
        using var b = Load("000002.png");
        var single = new[] { detector.Detect([a])[0], detector.Detect([b])[0] };
        var batch = detector.Detect([a, b]);
        // Same padded size, so torchvision would give the same answers batched or not: ours must as well.
        for (int i = 0; i < 2; i++)
        {
            var s = single[i].Detected!.Detections;
            var t = batch[i].Detected!.Detections;
            Assert.Equal(s.Length, t.Length);
            for (int k = 0; k < s.Length; k++)
            {
                Assert.Equal(s[k].ClassId, t[k].ClassId);
                Assert.Equal(s[k].Score, t[k].Score, 1e-5f);
                Assert.True(Core.Geometry.BoxF.Iou(s[k].Box, t[k].Box) > 0.9999f);
            }
        }
    }

    [Fact]
    public void Detect_ScoreThreshold_DropsLowerScoresBeforeTheHeads()
    {
        using var all = Detector.Load(model.ModelDir);
        using var cut = Detector.Load(model.ModelDir, new DetectorOptions { ScoreThreshold = 0.8f });
        using var frame = Load("000003.png");
        var full = all.Detect([frame])[0].Detected!.Detections;
        var kept = cut.Detect([frame])[0].Detected!.Detections;
        Assert.Equal(full.Where(d => d.Score >= 0.8f).Select(Key), kept.Select(Key));
        Assert.True(kept.Length < full.Length);
    }

    [Fact]
    public void Detect_AfterWarmUp_AllocatesOnlyTheResultsAndOrtWrappers()
    {
        using var detector = Detector.Load(model.ModelDir, new DetectorOptions { IntraOpThreads = 1 });
        using var frame = Load("000001.png");
        Frame[] batch = [frame];
        for (int i = 0; i < 3; i++) detector.Detect(batch);
        const int runs = 5;
        long before = GC.GetAllocatedBytesForCurrentThread();
        int objects = 0;
        for (int i = 0; i < runs; i++) objects += detector.Detect(batch)[0].Detected!.Detections.Length;
        long perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / runs;
        output.WriteLine($"{perFrame} managed bytes per frame on this thread after warm-up ({objects / runs} detections: records, RLE masks, keypoint arrays)");
        // The results themselves (100 detections with RLE masks and keypoints here) take most of it; a full-frame
        // buffer per detection or a re-grown scratch tensor would be megabytes.
        Assert.True(perFrame < 400_000, $"{perFrame} bytes per frame");
    }

    private static string Key(Core.Objects.Detection d) =>
        $"{d.ClassId} {d.Score:R} {d.Box.X1:R} {d.Box.Y1:R} {d.Box.X2:R} {d.Box.Y2:R} {d.Mask?.ToCompressedString()} {string.Join(";", d.Keypoints)}";
}
