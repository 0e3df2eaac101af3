using MaskStream.Core.Appearance;
using MaskStream.Core.Frames;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;

namespace MaskStream.Core.Tests.Appearance;

public class DetectionAppearanceTests
{
    /// <summary>A red-over-blue figure (mask) and a green box (no mask) on a grey 8x8 frame: each gets its own pixels' histogram.</summary>
    [Fact]
    public void Add_MaskOrBox_EachDetectionGetsItsPixels()
    {
        const int w = 8, h = 8;
        using var pixels = PixelBuffer.Rent(w, h);
        var bgr = pixels.Array;
        for (int i = 0; i < w * h; i++) (bgr[3 * i], bgr[3 * i + 1], bgr[3 * i + 2]) = ((byte)128, (byte)128, (byte)128);
        void Paint(int x, int y, byte b, byte g, byte r) => (bgr[(y * w + x) * 3], bgr[(y * w + x) * 3 + 1], bgr[(y * w + x) * 3 + 2]) = (b, g, r);
        var maskPixels = new byte[w * h];
        for (int y = 0; y < 4; y++) { Paint(1, y, 0, 0, 255); maskPixels[y * w + 1] = 1; }
        for (int y = 4; y < 8; y++) { Paint(1, y, 255, 0, 0); maskPixels[y * w + 1] = 1; }
        for (int y = 2; y < 4; y++) for (int x = 5; x < 7; x++) Paint(x, y, 0, 255, 0);
        var figure = new Detection(1, 0.9f, new BoxF(1, 0, 2, 8), RleMask.Encode(maskPixels, h, w), []);
        var box = new Detection(2, 0.8f, new BoxF(5, 2, 7, 4), null, []);
        var frame = new DetectedFrame(new FrameInfo("cam", 0, DateTimeOffset.UnixEpoch, null, w, h), [figure, box]);

        var result = DetectionAppearance.Add(frame, pixels);

        Assert.Null(frame.Detections[0].Appearance); // the input record is not written
        var a = result.Detections[0].Appearance!.Values;
        Assert.Equal(1f, a[0 * 4 + 3]);                                 // upper: red (split at the box's middle, row 4)
        Assert.Equal(1f, a[ColorHistogram.PartBins + 5 * 4 + 3]);       // lower: blue
        var b = result.Detections[1].Appearance!.Values;
        Assert.Equal(1f, b[2 * 4 + 3]);                                 // upper: green (rows 2–3, split at row 3: row 2 above)
        Assert.Equal(1f, b[ColorHistogram.PartBins + 2 * 4 + 3]);
        Assert.Equal(figure with { Appearance = result.Detections[0].Appearance }, result.Detections[0]);
    }
}
