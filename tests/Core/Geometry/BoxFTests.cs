using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;

namespace MaskStream.Core.Tests.Geometry;

public sealed class BoxFTests
{
    [Fact]
    public void Iou_AgreesWithPycocotoolsBoxIou_OnRandomBoxes()
    {
        // pycocotools' bbIou (exercised against its own outputs in RleMaskReferenceTests) is the
        // reference; BoxF.Iou is the float xyxy form of the same formula.
        var random = new Random(7);
        for (int i = 0; i < 2000; i++)
        {
            float x = random.Next(0, 50), y = random.Next(0, 50), w = random.Next(0, 30), h = random.Next(0, 30);
            float x2 = random.Next(0, 50), y2 = random.Next(0, 50), w2 = random.Next(1, 30), h2 = random.Next(1, 30);
            var a = BoxF.FromXywh(x, y, w, h);
            var b = BoxF.FromXywh(x2, y2, w2, h2);
            double expected = RleMask.BoxIou((x, y, w, h), (x2, y2, w2, h2), gtIsCrowd: false);
            Assert.Equal(expected, BoxF.Iou(a, b), 1e-6);
            Assert.Equal(BoxF.Iou(a, b), BoxF.Iou(b, a));
        }
    }

    [Fact]
    public void Iou_HalfOverlap_IsOneThird()
    {
        Assert.Equal(1f / 3f, BoxF.Iou(new BoxF(0, 0, 2, 2), new BoxF(1, 0, 3, 2)), 1e-6);
    }

    [Fact]
    public void EmptyAndNaNBoxes_HaveNoAreaAndNoOverlap()
    {
        var nan = new BoxF(float.NaN, 0, 10, 10);
        var inverted = new BoxF(5, 5, 1, 1);
        Assert.True(nan.IsEmpty);
        Assert.True(inverted.IsEmpty);
        Assert.Equal(0f, inverted.Area);
        Assert.Equal(0f, BoxF.Iou(nan, new BoxF(0, 0, 10, 10)));
        Assert.Equal(0f, BoxF.Iou(inverted, new BoxF(0, 0, 10, 10)));
    }

    [Fact]
    public void Clip_ClampsToImage()
    {
        Assert.Equal(new BoxF(0, 0, 640, 480), new BoxF(-5, -1, 700, 500).Clip(640, 480));
    }
}
