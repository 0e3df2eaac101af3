using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Tracking.Association;

namespace MaskStream.Tracking.Tests.Association;

public class AssociationCostTests
{
    [Fact]
    public void IouDistance_IsOneMinusIou_AndForbidsOtherClasses()
    {
        BoxF[] tracks = [new(0, 0, 10, 10), new(100, 100, 120, 120)];
        int[] trackClasses = [1, 2];
        // Half overlap (IoU 50/150 = 1/3), identical, disjoint; the last one identical to track 1 but of class 1.
        BoxF[] dets = [new(5, 0, 15, 10), new(0, 0, 10, 10), new(50, 50, 60, 60), new(100, 100, 120, 120)];
        int[] detClasses = [1, 1, 1, 1];
        var cost = new double[8];
        AssociationCost.IouDistance(tracks, trackClasses, dets, detClasses, cost);
        Assert.Equal(1 - 1.0 / 3, cost[0], 6);
        Assert.Equal(0, cost[1], 12);
        Assert.Equal(1, cost[2], 12);
        Assert.Equal(1, cost[3], 12);
        Assert.All(cost[4..], c => Assert.Equal(double.PositiveInfinity, c));
    }

    [Fact]
    public void FuseScore_WeightsSimilarityByDetectionScore()
    {
        // ByteTrack fuse_score: 1 − (1 − cost)·score; IoU 0.8 at score 0.5 → cost 0.6.
        double[] cost = [0.2, 0.5, double.PositiveInfinity, 1.0];
        AssociationCost.FuseScore(cost, 2, [0.5f, 0.9f]);
        Assert.Equal(0.6, cost[0], 6);
        Assert.Equal(1 - 0.5 * 0.9, cost[1], 6);
        Assert.Equal(double.PositiveInfinity, cost[2]);
        Assert.Equal(1.0, cost[3], 12);
    }

    [Fact]
    public void MaskIouDistance_ReplacesBoxCostWhereBothMasksExist()
    {
        const int h = 40, w = 40;
        // Track mask: columns 0..9 of rows 0..19 (200 px). Detection 0: columns 5..14 of the same rows
        // (overlap 100 → IoU 100/300). Detection 1 has no mask; detection 2 is forbidden by class.
        var trackMask = RlePolygon.FromBox(0, 0, 10, 20, h, w);
        var det0 = RlePolygon.FromBox(5, 0, 10, 20, h, w);
        Assert.Equal(200, trackMask.Area);
        double[] cost = [0.7, 0.7, double.PositiveInfinity];
        AssociationCost.MaskIouDistance([trackMask], [det0, null, det0], cost);
        Assert.Equal(1 - 100.0 / 300, cost[0], 12);
        Assert.Equal(0.7, cost[1]);
        Assert.Equal(double.PositiveInfinity, cost[2]);
    }
}
