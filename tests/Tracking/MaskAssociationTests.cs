using MaskStream.Core.Masks;
using static MaskStream.Tracking.Tests.Frames;

namespace MaskStream.Tracking.Tests;

public class MaskAssociationTests
{
    // Two people whose boxes nearly coincide but whose masks do not: A fills the left part of its box,
    // B the right part. In the next frame A moves right and B left, so by box IoU the swapped pairing is
    // cheaper (two IoUs of 38/42 against two of 36/44), while the masks still say who is who.
    private static RleMask Mask(double x, double width) => RlePolygon.FromBox(x, 10, width, 80, Height, Width);

    private static (long A, long B) Run(AssociationMetric metric)
    {
        var tracker = new ByteTracker(new TrackerOptions { Metric = metric }, 30);
        var first = tracker.Update(At(0,
            Det(10, 10, 50, 90, mask: Mask(10, 20)),
            Det(12, 10, 52, 90, mask: Mask(32, 20))));
        Assert.Equal([1L, 2L], Ids(first));

        var second = tracker.Update(At(1,
            Det(14, 10, 54, 90, mask: Mask(14, 20)),    // A, moved right
            Det(8, 10, 48, 90, mask: Mask(28, 20))));   // B, moved left
        long a = 0, b = 0;
        foreach (var o in second.Frame.Objects)
        {
            if (o.Detection.Box.X1 == 14) a = o.TrackId;
            else b = o.TrackId;
        }
        return (a, b);
    }

    [Fact]
    public void MaskIou_KeepsIdentitiesThatBoxIouSwaps()
    {
        Assert.Equal((1L, 2L), Run(AssociationMetric.MaskIou));
        Assert.Equal((2L, 1L), Run(AssociationMetric.BoxIou));
    }
}
