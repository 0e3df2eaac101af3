using MaskStream.Core.Geometry;
using MaskStream.Detector.Tests.Support;

namespace MaskStream.Detector.Tests;

public sealed class BoxCoderTests
{
    [Fact]
    public void Decode_ScaleDeltasAboveClip_AreClampedToLog1000Over16()
    {
        // dw = dh = 10 → exp(4.135167) = 62.5: the box grows 62.5x about its centre.
        var box = BoxCoder.Decode(new BoxF(0, 0, 10, 20), 0, 0, 10, 10, BoxCoderWeights.Rpn, BoxCoder.DefaultLogScaleClip);
        Assert.Equal(5 - 312.5f, box.X1, 3e-4f);
        Assert.Equal(10 - 625f, box.Y1, 6e-4f);
        Assert.Equal(5 + 312.5f, box.X2, 3e-4f);
    }

    [Fact]
    public void Decode_RoiHeadsWeights_DeltaOfTheWeightsShiftsOneWidthAndScalesByE()
    {
        var box = BoxCoder.Decode(new BoxF(10, 20, 30, 60), 10, 10, 5, 5, BoxCoderWeights.RoiHeads, BoxCoder.DefaultLogScaleClip);
        // centre (20, 40) + (20, 40) = (40, 80); size (20e, 40e)
        Assert.Equal(new BoxF(40 - 10 * MathF.E, 80 - 20 * MathF.E, 40 + 10 * MathF.E, 80 + 20 * MathF.E), box);
    }

    [Theory]
    [InlineData("rpn")]
    [InlineData("roi_heads")]
    public void Decode_TorchvisionCases_MatchDecodeSingleToAnUlp(string coder)
    {
        var ops = Fixtures.TorchvisionOps.GetProperty("box_coder");
        var boxes = ops.GetProperty("boxes").Floats();
        var deltas = ops.GetProperty("deltas").Floats();
        var c = ops.GetProperty(coder);
        var w = c.GetProperty("weights").Floats();
        var expected = c.GetProperty("decoded").Floats();
        for (int i = 0; i < boxes.Length / 4; i++)
        {
            var b = BoxCoder.Decode(new BoxF(boxes[4 * i], boxes[4 * i + 1], boxes[4 * i + 2], boxes[4 * i + 3]),
                deltas[4 * i], deltas[4 * i + 1], deltas[4 * i + 2], deltas[4 * i + 3], new BoxCoderWeights(w[0], w[1], w[2], w[3]),
                BoxCoder.DefaultLogScaleClip);
            float[] ours = [b.X1, b.Y1, b.X2, b.Y2];
            for (int k = 0; k < 4; k++)
            {
                float e = expected[4 * i + k];
                // torch's vectorised exp and MathF.Exp may differ by an ulp of the result.
                Assert.True(Math.Abs(ours[k] - e) <= 2e-6f * Math.Max(1f, Math.Abs(e)) + 1e-4f, $"box {i} coord {k}: {ours[k]} vs {e}");
            }
        }
    }

    [Fact]
    public void ThresholdLiterals_AreF32Comparisons()
    {
        // w = f32(0.01) = 0.0099999998 is kept at min size 1e-2f (a double literal would drop it).
        Assert.True(BoxCoder.IsLargeEnough(new BoxF(0, 0, 0.01f, 0.01f), 1e-2f));
        Assert.False(BoxCoder.IsLargeEnough(new BoxF(0, 0, 0.0099f, 1), 1e-2f));
        Assert.Equal(new BoxF(0, 0, 640, 10), BoxCoder.ClipToImage(new BoxF(-5, -1, 700, 10), 640, 480));
    }
}
