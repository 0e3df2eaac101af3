using MaskStream.Core.Geometry;
using MaskStream.Evaluation.Mot;
using MaskStream.Evaluation.Walkers;
using MaskStream.Ingest.Datasets;
using MaskStream.Ingest.Synthetic;
using Xunit.Abstractions;

namespace MaskStream.Tracking.Tests;

/// <summary>
/// Issue 7, "Must show" (a): synthetic walkers (300 frames, people crossing each other and passing behind
/// occluders), the ground-truth boxes as detections, jittered by 3%, 10% dropped, 0–2 false positives a frame
/// (<see cref="WalkersProtocol"/>), scored with py-motmetrics' metrics (MaskStream.Evaluation) against the ground
/// truth as <c>dataset mot</c> writes it: objects with fewer than <see cref="MotDatasetOptions.DefaultMinArea"/>
/// visible pixels are marked 0 and ignored as MOTChallenge ignores its distractors (not missed when untracked;
/// tracker boxes on them dropped). Their detections are still fed to the trackers.
/// Every detection carries the colour histogram of its ground-truth mask in the rendered frame, and both trackers run with
/// their defaults (ByteTracker's appearance cue on).
/// <para>
/// The bar, IDF1 ≥ 0.95 and fewer id switches than the IoU tracker, holds on 8 of seeds 1–12 and 6 of seeds 13–20
/// with the appearance cue, not on all (docs/TRACKING.md). What is asserted: per seed of 1–12 (seeds 1–6 and 7–12 were
/// looked at while changing the tracker), today's IDF1 less about 0.01 as a floor, the bar itself where it is met, and
/// fewer switches than the IoU tracker wherever that holds; over seeds 13–20, never tuned on, the mean figures. Floors are
/// today's figures, so that they can only go up.
/// </para>
/// </summary>
public class SyntheticWalkersTests(ITestOutputHelper output)
{
    private static readonly TrackerOptions Options = WalkersProtocol.Options;

    private static readonly ulong[] TunedSeeds = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
    private static readonly ulong[] HeldOutSeeds = [13, 14, 15, 16, 17, 18, 19, 20];

    // The quietest of seeds 1–12: 44 overlapping pairs, below the 50 the scene check asks of a crossing test; scored all the same.
    private const ulong QuietSeed = 12;

    public static TheoryData<ulong, double, int> Sequences() => new()
    {
        // seed, IDF1 floor, id switches allowed beyond the IoU tracker's minus one (0: fewer, the bar).
        // Measured with the appearance cue, the fast lost-track search (LostTrackSearchGrowth 8, limit 2) and partial views
        // rejected only beyond 0.7 (AppearancePartialRejectDistance): IDF1 0.981, 0.986, 0.984, 0.973, 0.987, 0.984, 0.926,
        // 0.981, 0.964, 0.985, 0.973, 0.979; switches 1/11, 0/10, 1/9, 4/8, 3/8, 2/5, 3/19, 1/10, 2/11, 0/2, 3/11, 1/2.
        { 1, 0.97, 0 },
        { 2, 0.975, 0 },
        { 3, 0.97, 0 },
        { 4, 0.96, 0 },
        { 5, 0.975, 0 },
        { 6, 0.97, 0 },
        { 7, 0.91, 0 },
        { 8, 0.97, 0 },
        { 9, 0.95, 0 },
        { 10, 0.97, 0 },
        { 11, 0.96, 0 },
        { 12, 0.97, 0 },
    };

    [Theory]
    [MemberData(nameof(Sequences))]
    public void GroundTruthDetections_JitteredDroppedAndPolluted_HoldTheirFloors(ulong seed, double idf1Floor, int extraSwitches)
    {
        var (byteMetrics, iouMetrics) = Run(seed, checkScene: seed != QuietSeed, out double byteHota, out double iouHota);
        output.WriteLine($"seed {seed}: ByteTracker IDF1 {byteMetrics.Idf1:0.0000} MOTA {byteMetrics.Mota:0.0000} HOTA {byteHota:0.0000} IDSW {byteMetrics.NumSwitches}; " +
                         $"IouTracker IDF1 {iouMetrics.Idf1:0.0000} MOTA {iouMetrics.Mota:0.0000} HOTA {iouHota:0.0000} IDSW {iouMetrics.NumSwitches}");

        Assert.True(byteMetrics.Idf1 >= idf1Floor, $"ByteTracker IDF1 {byteMetrics.Idf1:0.0000} fell below {idf1Floor}");
        Assert.True(byteMetrics.Mota >= 0.94, $"ByteTracker MOTA {byteMetrics.Mota:0.0000} fell below 0.94");
        Assert.True(byteMetrics.NumSwitches < iouMetrics.NumSwitches + extraSwitches,
            $"ByteTracker {byteMetrics.NumSwitches} id switches against IouTracker's {iouMetrics.NumSwitches}");
    }

    /// <summary>
    /// Over seeds 1–12 ByteTracker switches ids less than a quarter as often as the IoU tracker (today 21 against 106, mean
    /// IDF1 0.975; rejecting partial views at 0.6 as whole ones, 21 and 0.970; with the slower lost-track search before, 31
    /// and 0.951; without the appearance cue 60 and 0.913).
    /// </summary>
    [Fact]
    public void GroundTruthDetections_TunedSeeds_FarFewerIdSwitchesThanIouTracker()
    {
        var (idf1, byteSwitches, iouSwitches, _) = Totals(TunedSeeds);
        output.WriteLine($"seeds 1–12: ByteTracker mean IDF1 {idf1:0.0000}, id switches {byteSwitches} against IouTracker's {iouSwitches}");
        Assert.True(byteSwitches <= 0.25 * iouSwitches, $"ByteTracker {byteSwitches} switches against IouTracker's {iouSwitches}");
        Assert.True(idf1 >= 0.96, $"ByteTracker mean IDF1 {idf1:0.0000} fell below 0.96");
    }

    /// <summary>
    /// Seeds 13–20, never looked at while the tracker was changed: the mean IDF1 and MOTA, and fewer switches than the
    /// IoU tracker in all (today mean IDF1 0.975, mean MOTA 0.965, 20 switches against 45; rejecting partial views at 0.6 as
    /// whole ones 0.974, 0.965 and 21; with the slower lost-track search before 0.967, 0.965 and 28; without the appearance cue 0.913, 0.964 and 34).
    /// </summary>
    [Fact]
    public void GroundTruthDetections_HeldOutSeeds_HoldTheirMeans()
    {
        var (idf1, byteSwitches, iouSwitches, mota) = Totals(HeldOutSeeds);
        output.WriteLine($"seeds 13–20: ByteTracker mean IDF1 {idf1:0.0000}, mean MOTA {mota:0.0000}, id switches {byteSwitches} against IouTracker's {iouSwitches}");
        Assert.True(idf1 >= 0.965, $"ByteTracker mean IDF1 {idf1:0.0000} fell below 0.965");
        Assert.True(mota >= 0.955, $"ByteTracker mean MOTA {mota:0.0000} fell below 0.955");
        Assert.True(byteSwitches < iouSwitches, $"ByteTracker {byteSwitches} switches against IouTracker's {iouSwitches}");
    }

    private (MotMetrics Byte, MotMetrics Iou) Run(ulong seed, bool checkScene, out double byteHota, out double iouHota)
    {
        var truth = WalkersProtocol.RenderTruth(seed);
        if (checkScene) AssertHasCrossingsAndOcclusions(truth);
        var result = WalkersProtocol.Evaluate(truth, seed, Options);
        byteHota = result.ByteHota;
        iouHota = result.IouHota;
        return (result.Byte, result.Iou);
    }

    private (double MeanIdf1, int ByteSwitches, int IouSwitches, double MeanMota) Totals(ulong[] seeds)
    {
        double idf1 = 0, mota = 0;
        int byteSwitches = 0, iouSwitches = 0;
        foreach (ulong seed in seeds)
        {
            var (b, i) = Run(seed, checkScene: false, out _, out _);
            output.WriteLine($"seed {seed}: ByteTracker IDF1 {b.Idf1:0.0000} MOTA {b.Mota:0.0000} IDSW {b.NumSwitches}; IouTracker IDF1 {i.Idf1:0.0000} IDSW {i.NumSwitches}");
            idf1 += b.Idf1;
            mota += b.Mota;
            byteSwitches += b.NumSwitches;
            iouSwitches += i.NumSwitches;
        }
        return (idf1 / seeds.Length, byteSwitches, iouSwitches, mota / seeds.Length);
    }

    /// <summary>The sequence must exercise what the test is about: objects that overlap, and objects hidden then seen again.</summary>
    private static void AssertHasCrossingsAndOcclusions(List<FrameGroundTruth> truth)
    {
        int overlappingPairs = 0, reappearances = 0;
        var hiddenSince = new Dictionary<int, bool>();
        foreach (var frame in truth)
        {
            var visible = frame.Objects.Where(o => !o.Box.IsEmpty).ToArray();
            for (int i = 0; i < visible.Length; i++)
                for (int j = i + 1; j < visible.Length; j++)
                    if (BoxF.Iou(visible[i].Box, visible[j].Box) > 0.1) overlappingPairs++;
            foreach (var o in frame.Objects)
            {
                bool hidden = o.Visibility < 0.2;
                if (hidden) hiddenSince[o.TrackId] = true;
                else if (hiddenSince.Remove(o.TrackId)) reappearances++;
            }
        }
        Assert.True(overlappingPairs >= 50, $"only {overlappingPairs} overlapping pairs");
        Assert.True(reappearances >= 3, $"only {reappearances} reappearances after occlusion");
    }
}
