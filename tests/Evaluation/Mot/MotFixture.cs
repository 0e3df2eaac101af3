using System.Text.Json;
using MaskStream.Evaluation.Mot;

namespace MaskStream.Evaluation.Tests.Mot;

internal static class MotFixture
{
    public const string File = "motmetrics_sequences.json";

    public static JsonElement SequenceElement(string name) =>
        Fixtures.Load(File).GetProperty("sequences").EnumerateArray().First(s => s.GetProperty("name").GetString() == name);

    public static MotSequence Sequence(JsonElement s) => new(
        s.GetProperty("name").GetString()!,
        [.. s.GetProperty("frames").EnumerateArray().Select(f => new MotFrame(
            f.GetProperty("frame").GetInt32(),
            Objects(f.GetProperty("gt")),
            Objects(f.GetProperty("hyp"))))]);

    private static MotObject[] Objects(JsonElement list) =>
    [
        .. list.EnumerateArray().Select(o =>
        {
            var b = Fixtures.Doubles(o.GetProperty("bbox"));
            return new MotObject(o.GetProperty("id").GetInt64(), new MotBox(b[0], b[1], b[2], b[3]));
        }),
    ];

    public static IEnumerable<string> SequenceNames() =>
        Fixtures.Load(File).GetProperty("sequences").EnumerateArray().Select(s => s.GetProperty("name").GetString()!);

    /// <summary>py-motmetrics key → value of our record.</summary>
    public static Dictionary<string, double> MotMetricsValues(MotMetrics m) => new()
    {
        ["num_frames"] = m.NumFrames, ["num_matches"] = m.NumMatches, ["num_switches"] = m.NumSwitches,
        ["num_transfer"] = m.NumTransfer, ["num_ascend"] = m.NumAscend, ["num_migrate"] = m.NumMigrate,
        ["num_false_positives"] = m.NumFalsePositives, ["num_misses"] = m.NumMisses, ["num_detections"] = m.NumDetections,
        ["num_objects"] = m.NumObjects, ["num_predictions"] = m.NumPredictions, ["num_unique_objects"] = m.NumUniqueObjects,
        ["mostly_tracked"] = m.MostlyTracked, ["partially_tracked"] = m.PartiallyTracked, ["mostly_lost"] = m.MostlyLost,
        ["num_fragmentations"] = m.NumFragmentations, ["motp"] = m.Motp, ["mota"] = m.Mota, ["precision"] = m.Precision,
        ["recall"] = m.Recall, ["idfp"] = m.Idfp, ["idfn"] = m.Idfn, ["idtp"] = m.Idtp, ["idp"] = m.Idp, ["idr"] = m.Idr,
        ["idf1"] = m.Idf1,
    };

    public static Dictionary<string, double> TrackEvalScalars(TrackEvalMetrics r) => new()
    {
        ["HOTA"] = r.Hota.Hota, ["DetA"] = r.Hota.DetAMean, ["AssA"] = r.Hota.AssAMean, ["DetRe"] = r.Hota.DetReMean,
        ["DetPr"] = r.Hota.DetPrMean, ["AssRe"] = r.Hota.AssReMean, ["AssPr"] = r.Hota.AssPrMean, ["LocA"] = r.Hota.LocAMean,
        ["HOTA(0)"] = r.Hota.Hota0, ["LocA(0)"] = r.Hota.LocA0, ["HOTALocA(0)"] = r.Hota.HotaLocA0,
        ["MOTA"] = r.Clear.Mota, ["MOTP"] = r.Clear.Motp, ["MODA"] = r.Clear.Moda, ["CLR_Re"] = r.Clear.ClrRe,
        ["CLR_Pr"] = r.Clear.ClrPr, ["MTR"] = r.Clear.Mtr, ["PTR"] = r.Clear.Ptr, ["MLR"] = r.Clear.Mlr,
        ["sMOTA"] = r.Clear.SMota, ["CLR_F1"] = r.Clear.ClrF1, ["FP_per_frame"] = r.Clear.FpPerFrame, ["MOTAL"] = r.Clear.Motal,
        ["CLR_TP"] = r.Clear.ClrTp, ["CLR_FN"] = r.Clear.ClrFn, ["CLR_FP"] = r.Clear.ClrFp, ["IDSW"] = r.Clear.Idsw,
        ["MT"] = r.Clear.MT, ["PT"] = r.Clear.PT, ["ML"] = r.Clear.ML, ["Frag"] = r.Clear.Frag, ["CLR_Frames"] = r.Clear.ClrFrames,
        ["IDF1"] = r.Identity.Idf1, ["IDR"] = r.Identity.Idr, ["IDP"] = r.Identity.Idp, ["IDTP"] = r.Identity.Idtp,
        ["IDFN"] = r.Identity.Idfn, ["IDFP"] = r.Identity.Idfp,
    };

    public static Dictionary<string, double[]> TrackEvalArrays(TrackEvalMetrics r) => new()
    {
        ["HOTA_per_alpha"] = r.Hota.HotaPerAlpha, ["DetA_per_alpha"] = r.Hota.DetA, ["AssA_per_alpha"] = r.Hota.AssA,
        ["HOTA_TP_per_alpha"] = r.Hota.HotaTp,
    };

    public static void AssertMatches(JsonElement expected, Dictionary<string, double> actual, Func<string, double> tolerance, string what)
    {
        var failures = new List<string>();
        foreach (var p in expected.EnumerateObject())
        {
            if (p.Value.ValueKind == JsonValueKind.Array)
                continue;
            if (!actual.TryGetValue(p.Name, out double v))
            {
                failures.Add($"{p.Name}: not computed");
                continue;
            }
            double e = p.Value.GetDouble();
            if (!(Math.Abs(e - v) <= tolerance(p.Name)))
                failures.Add($"{p.Name}: expected {e:R}, got {v:R}");
        }
        Assert.True(failures.Count == 0, $"{what}: " + string.Join("; ", failures));
    }
}
