using MaskStream.Core.Appearance;
using MaskStream.Core.Geometry;
using MaskStream.Tracking.Association;

namespace MaskStream.Tracking.Tests.Association;

/// <summary>
/// The appearance costs on hand-worked histograms. Distances used: identical 0; disjoint 1; a part with all its mass in
/// one bin against one split half-half over that bin and another: Bhattacharyya coefficient √0.5, distance
/// √(1 − √0.5) = 0.5412, so 0.2706 when the other part is identical and 0.5412 when both parts are so.
/// </summary>
public class AppearanceCostTests
{
    private const int P = ColorHistogram.PartBins;
    private static readonly AppearanceCost Limits = new(AppearanceUse.Fuse, MatchDistance: 0.35, RejectDistance: 0.6, MinIou: 0.5);

    private static ColorHistogram Look(params (int Bin, float Mass)[] bins)
    {
        var values = new float[ColorHistogram.Length];
        foreach (var (bin, mass) in bins) values[bin] += mass;
        return ColorHistogram.FromValues(values);
    }

    private static readonly ColorHistogram Red = Look((0, 1), (P + 8, 1));
    private static readonly ColorHistogram HalfRed = Look((0, 0.5f), (1, 0.5f), (P + 8, 1));          // 0.2706 from Red
    private static readonly ColorHistogram HalfBoth = Look((0, 0.5f), (1, 0.5f), (P + 8, 0.5f), (P + 9, 0.5f)); // 0.5412
    private static readonly ColorHistogram Blue = Look((20, 1), (P + 20, 1));                          // 1
    // A third of each part's mass in Red's bin: √(1 − √(1/3)) = 0.6501 from Red; a fifth: √(1 − √0.2) = 0.7435.
    private static readonly ColorHistogram ThirdRed = Look((0, 1 / 3f), (1, 2 / 3f), (P + 8, 1 / 3f), (P + 9, 2 / 3f));
    private static readonly ColorHistogram FifthRed = Look((0, 0.2f), (1, 0.8f), (P + 8, 0.2f), (P + 9, 0.8f));

    [Fact]
    public void Distances_AreTheHandWorkedOnes()
    {
        Assert.Equal(0, ColorHistogram.Distance(Red, Red), 6);
        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(0.5)) / 2, ColorHistogram.Distance(Red, HalfRed), 6);
        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(0.5)), ColorHistogram.Distance(Red, HalfBoth), 6);
        Assert.Equal(1, ColorHistogram.Distance(Red, Blue), 6);
        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(1 / 3.0)), ColorHistogram.Distance(Red, ThirdRed), 5);
        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(0.2)), ColorHistogram.Distance(Red, FifthRed), 5);
    }

    [Fact]
    public void FuseAppearance_TakesTheSmallerCostWhereBoxesOverlap_AndRejectsWhatLooksDifferent()
    {
        BoxF[] tracks = [new(0, 0, 10, 10)];
        float[]?[] trackLooks = [Red.Values.ToArray()];
        // IoU 2/3 (box cost 1/3) for the first four; IoU 1/3 for the fifth.
        BoxF near = new(2, 0, 12, 10), far = new(5, 0, 15, 10);
        BoxF[] dets = [near, near, near, near, far, far];
        ColorHistogram?[] detLooks = [Red, HalfRed, Blue, null, Red, Blue];
        double[] cost = [1 / 3.0, 1 / 3.0, 1 / 3.0, 1 / 3.0, 2 / 3.0, 2 / 3.0];

        AssociationCost.FuseAppearance(cost, tracks, trackLooks, dets, detLooks, Limits);

        Assert.Equal(0, cost[0], 6);                                   // looks the same: min(1/3, 0)
        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(0.5)) / 2, cost[1], 6);  // 0.2706 < 1/3
        Assert.Equal(double.PositiveInfinity, cost[2]);                // 1 > 0.6: never
        Assert.Equal(1 / 3.0, cost[3], 6);                             // no histogram: the box decides
        Assert.Equal(2 / 3.0, cost[4], 6);                             // IoU 1/3 < 0.5: appearance does not lower it
        Assert.Equal(double.PositiveInfinity, cost[5]);                // ... but does reject
    }

    [Fact]
    public void FuseAppearance_TrackWithoutHistogram_KeepsBoxCosts()
    {
        double[] cost = [0.3, 0.9];
        AssociationCost.FuseAppearance(cost, [new BoxF(0, 0, 10, 10)], [null], [new BoxF(0, 0, 10, 10), new BoxF(0, 0, 10, 10)],
            [Red, Blue], Limits);
        Assert.Equal([0.3, 0.9], cost);
    }

    [Fact]
    public void DecideByAppearance_RanksCloseLooksFirst_PenalisesInBetween_RejectsFar_LeavesBoxRejectsAlone()
    {
        float[]?[] trackLooks = [Red.Values.ToArray()];
        ColorHistogram?[] detLooks = [HalfRed, HalfBoth, Blue, Red, null];
        double[] cost = [0.4, 0.3, 0.1, 0.9, 0.2];

        AssociationCost.DecideByAppearance(cost, trackLooks, detLooks, Limits, boxLimit: 0.8);

        Assert.Equal(Math.Sqrt(1 - Math.Sqrt(0.5)) / 2, cost[0], 6);  // close: its distance
        Assert.Equal(0.35 + 0.65 * 0.3, cost[1], 6);                   // 0.5412: kept, but after every close one
        Assert.Equal(double.PositiveInfinity, cost[2]);                // far: never, however well placed
        Assert.Equal(0.9, cost[3], 6);                                 // outside the box limit: stays unmatched
        Assert.Equal(0.2, cost[4], 6);                                 // no histogram
    }

    [Fact]
    public void DecideByAppearance_PartialView_IsRejectedOnlyBeyondThePartialDistance()
    {
        var limits = Limits with { Use = AppearanceUse.Decide, PartialRejectDistance = 0.7 };
        float[]?[] trackLooks = [Red.Values.ToArray(), Red.Values.ToArray()];
        // The first track was last seen whole at 10 x 40; the second's whole size is unknown (0).
        float[] wholeWidth = [10, 0], wholeHeight = [40, 0];
        BoxF sliver = new(0, 0, 4, 34), shortPart = new(0, 0, 10, 19), whole = new(0, 0, 9, 38);
        BoxF[] dets = [sliver, shortPart, whole, sliver];
        ColorHistogram?[] detLooks = [ThirdRed, ThirdRed, ThirdRed, FifthRed];
        double[] cost = [0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3, 0.3];

        AssociationCost.DecideByAppearance(cost, trackLooks, detLooks, limits, boxLimit: 0.8, wholeWidth, wholeHeight, dets);

        Assert.Equal(0.35 + 0.65 * 0.3, cost[0], 6);   // 0.65 from a strip under half as wide: in between, ranked after close ones
        Assert.Equal(0.35 + 0.65 * 0.3, cost[1], 6);   // ... or under half as tall
        Assert.Equal(double.PositiveInfinity, cost[2]); // 0.65 from a whole view: rejected at 0.6 as before
        Assert.Equal(double.PositiveInfinity, cost[3]); // 0.74 from a strip: beyond 0.7
        Assert.Equal(double.PositiveInfinity, cost[4]); // whole size unknown: every view counts as whole
        Assert.Equal(double.PositiveInfinity, cost[6]);

        double[] unset = [0.3, 0.3, 0.3, 0.3];
        AssociationCost.DecideByAppearance(unset, trackLooks[..1], detLooks, Limits with { Use = AppearanceUse.Decide }, 0.8,
            wholeWidth[..1], wholeHeight[..1], dets);
        Assert.Equal(double.PositiveInfinity, unset[0]); // no partial distance set: 0.6 for every view
    }

    [Fact]
    public void RejectByAppearance_ForbidsOnlyWhatLooksDifferent()
    {
        double[] cost = [0.4, 0.3, 0.1];
        AssociationCost.RejectByAppearance(cost, [Red.Values.ToArray()], [HalfBoth, Blue, null], Limits);
        Assert.Equal(0.4, cost[0], 6);
        Assert.Equal(double.PositiveInfinity, cost[1]);
        Assert.Equal(0.1, cost[2], 6);
    }
}
