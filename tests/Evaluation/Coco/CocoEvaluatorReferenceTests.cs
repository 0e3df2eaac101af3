using MaskStream.Evaluation.Coco;

namespace MaskStream.Evaluation.Tests.Coco;

/// <summary>Every number of tests/fixtures/reference/cocoeval_*.json (pycocotools 2.0.11), per scenario.</summary>
public class CocoEvaluatorReferenceTests
{
    private const double Tolerance = 1e-9;

    [Theory]
    [InlineData("cocoeval_bbox.json", "bbox_crafted_boundaries")]
    [InlineData("cocoeval_bbox.json", "bbox_maxdets")]
    [InlineData("cocoeval_bbox.json", "bbox_random_a")]
    [InlineData("cocoeval_bbox.json", "bbox_random_b")]
    [InlineData("cocoeval_segm.json", "segm_random_a")]
    [InlineData("cocoeval_segm.json", "segm_dets_with_bbox")]
    [InlineData("cocoeval_segm.json", "segm_maxdets")]
    [InlineData("cocoeval_segm.json", "segm_random_b")]
    [InlineData("cocoeval_keypoints.json", "keypoints_crafted")]
    [InlineData("cocoeval_keypoints.json", "keypoints_maxdets")]
    [InlineData("cocoeval_keypoints.json", "keypoints_random_a")]
    [InlineData("cocoeval_keypoints.json", "keypoints_random_b")]
    public void Evaluate_Scenario_ReproducesPycocotools(string file, string scenario)
    {
        var s = Fixtures.Scenario(file, scenario);
        var iouType = Enum.Parse<CocoIouType>(s.GetProperty("iouType").GetString()!, ignoreCase: true);
        var gt = CocoJson.ReadGroundTruth(s.GetProperty("gt"), scenario);
        var dt = CocoJson.ReadResults(s.GetProperty("dt"), scenario);

        var result = CocoEvaluator.Evaluate(gt, dt, iouType);

        var expectedStats = Fixtures.Doubles(s.GetProperty("stats"));
        Assert.Equal(expectedStats.Length, result.Stats.Count);
        for (int i = 0; i < expectedStats.Length; i++)
            Assert.True(Math.Abs(expectedStats[i] - result.Stats[i]) <= Tolerance, $"stats[{i}]: expected {expectedStats[i]:R}, got {result.Stats[i]:R}");

        var perIou = Fixtures.Doubles(s.GetProperty("ap_per_iou_threshold"));
        for (int t = 0; t < perIou.Length; t++)
            Assert.True(Math.Abs(perIou[t] - result.AveragePrecisionAtThreshold(t)) <= Tolerance,
                $"ap_per_iou_threshold[{t}]: expected {perIou[t]:R}, got {result.AveragePrecisionAtThreshold(t):R}");

        foreach (var cat in s.GetProperty("ap_per_category").EnumerateObject())
        {
            long id = long.Parse(cat.Name);
            double ap = cat.Value.GetProperty("ap").GetDouble(), ap50 = cat.Value.GetProperty("ap50").GetDouble(), ar = cat.Value.GetProperty("ar").GetDouble();
            Assert.True(Math.Abs(ap - result.CategoryAveragePrecision(id)) <= Tolerance, $"category {id} ap: expected {ap:R}, got {result.CategoryAveragePrecision(id):R}");
            Assert.True(Math.Abs(ap50 - result.CategoryAveragePrecision(id, 0.5)) <= Tolerance, $"category {id} ap50: expected {ap50:R}, got {result.CategoryAveragePrecision(id, 0.5):R}");
            Assert.True(Math.Abs(ar - result.CategoryAverageRecall(id)) <= Tolerance, $"category {id} ar: expected {ar:R}, got {result.CategoryAverageRecall(id):R}");
        }

        Assert.Equal(s.GetProperty("summary_lines").EnumerateArray().Select(l => l.GetString()!), result.SummaryLines);
    }

    [Theory]
    [InlineData("cocoeval_bbox.json", CocoIouType.Bbox)]
    [InlineData("cocoeval_segm.json", CocoIouType.Segm)]
    [InlineData("cocoeval_keypoints.json", CocoIouType.Keypoints)]
    public void DefaultParams_AreTheReferenceDoubles(string file, CocoIouType iouType)
    {
        var expected = Fixtures.Load(file).GetProperty("params");
        var p = CocoEvalParams.Default(iouType);
        Assert.Equal(Fixtures.Doubles(expected.GetProperty("iouThrs")), p.IouThresholds);
        Assert.Equal(Fixtures.Doubles(expected.GetProperty("recThrs")), p.RecallThresholds);
        Assert.Equal(expected.GetProperty("maxDets").EnumerateArray().Select(e => e.GetInt32()), p.MaxDets);
        Assert.Equal(expected.GetProperty("areaRng").EnumerateArray().Select(r => (r[0].GetDouble(), r[1].GetDouble())), p.AreaRanges);
        if (iouType == CocoIouType.Keypoints)
            Assert.Equal(Fixtures.Doubles(expected.GetProperty("kpt_oks_sigmas")), p.KeypointSigmas);
    }
}
