using System.Globalization;
using System.Text;
using System.Text.Json;
using MaskStream.Evaluation.Walkers;

namespace MaskStream.Service.Tests.Cli;

/// <summary>
/// The eval verbs end to end: reference scenarios (pycocotools, py-motmetrics) written to files,
/// read back by the real executable, and its printed and JSON output compared with the reference.
/// </summary>
public sealed class EvalCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("maskstream-eval-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static JsonElement Reference(string file) =>
        JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "fixtures", "reference", file))).RootElement;

    [Theory]
    [InlineData("cocoeval_bbox.json", "bbox_random_a", "bbox")]
    [InlineData("cocoeval_segm.json", "segm_random_a", "segm")]
    [InlineData("cocoeval_keypoints.json", "keypoints_random_a", "keypoints")]
    public async Task EvalCoco_ReferenceScenario_PrintsPycocotoolsSummaryAndWritesStats(string file, string scenario, string iouType)
    {
        var s = Reference(file).GetProperty("scenarios").EnumerateArray().Single(x => x.GetProperty("name").GetString() == scenario);
        string gt = Path.Combine(_dir, "gt.json"), dt = Path.Combine(_dir, "dt.json"), stats = Path.Combine(_dir, "stats.json");
        File.WriteAllText(gt, s.GetProperty("gt").GetRawText());
        File.WriteAllText(dt, s.GetProperty("dt").GetRawText());

        var r = await MaskStreamProcess.RunAsync(["eval", "coco", "--gt", gt, "--dt", dt, "--iou-type", iouType, "--json", stats]);

        Assert.Equal(0, r.ExitCode);
        var printed = r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var line in s.GetProperty("summary_lines").EnumerateArray())
            Assert.Contains(line.GetString()!.Trim(), printed);
        var expected = s.GetProperty("stats").EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var actual = JsonDocument.Parse(File.ReadAllText(stats)).RootElement.GetProperty("stats").EnumerateArray()
            .Select(v => v.GetDouble()).ToArray();
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-9);
    }

    [Theory]
    [InlineData("crossing")]
    [InlineData("random_b")]
    public async Task EvalMot_ReferenceSequenceAsMotChallengeFiles_GivesPyMotmetricsNumbers(string name)
    {
        var seq = Reference("motmetrics_sequences.json").GetProperty("sequences").EnumerateArray()
            .Single(x => x.GetProperty("name").GetString() == name);
        var gtText = new StringBuilder();
        var hypText = new StringBuilder();
        foreach (var frame in seq.GetProperty("frames").EnumerateArray())
        {
            int f = frame.GetProperty("frame").GetInt32();
            AppendRows(gtText, f, frame.GetProperty("gt"));
            AppendRows(hypText, f, frame.GetProperty("hyp"));
        }
        string gt = Path.Combine(_dir, "gt.txt"), tracks = Path.Combine(_dir, "tracks.txt"), json = Path.Combine(_dir, "mot.json");
        File.WriteAllText(gt, gtText.ToString());
        File.WriteAllText(tracks, hypText.ToString());

        var r = await MaskStreamProcess.RunAsync(["eval", "mot", "--gt", gt, "--tracks", tracks, "--json", json]);

        Assert.Equal(0, r.ExitCode);
        var metrics = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        var mm = seq.GetProperty("motmetrics");
        foreach (var key in new[] { "mota", "motp", "idf1", "idp", "idr", "num_switches", "num_false_positives", "num_misses",
                     "num_fragmentations", "mostly_tracked", "mostly_lost" })
            Assert.Equal(mm.GetProperty(key).GetDouble(), metrics.GetProperty(key).GetDouble(), 1e-9);
        var te = seq.GetProperty("trackeval");
        Assert.Equal(te.GetProperty("HOTA").GetDouble(), metrics.GetProperty("hota").GetDouble(), 1e-4);
        Assert.Equal(te.GetProperty("DetA").GetDouble(), metrics.GetProperty("deta").GetDouble(), 1e-4);
        Assert.Equal(te.GetProperty("AssA").GetDouble(), metrics.GetProperty("assa").GetDouble(), 1e-4);
    }

    [Fact]
    public async Task EvalMot_NonNumericField_NamesFileLineAndField()
    {
        string gt = Path.Combine(_dir, "gt.txt"), tracks = Path.Combine(_dir, "bad.txt");
        File.WriteAllText(gt, "1,1,10,10,20,20,1,1,1\n");
        File.WriteAllText(tracks, "1,1,10,10,20,20,1,-1,-1,-1\n2,1,10,2x,20,20,1,-1,-1,-1\n");

        var r = await MaskStreamProcess.RunAsync(["eval", "mot", "--gt", gt, "--tracks", tracks]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains("bad.txt: line 2: field 4 (y) = '2x' is not a number", r.StdErr);
    }

    [Fact]
    public async Task EvalWalkers_PrintsAndWritesWhatTheProtocolMeasures()
    {
        string json = Path.Combine(_dir, "walkers.json");

        var r = await MaskStreamProcess.RunAsync(["eval", "walkers", "--seeds", "13,15-16", "--json", json,
            "--tracking", "AppearancePartialRejectDistance=0.8"]);

        Assert.Equal(0, r.ExitCode);
        var options = WalkersProtocol.Options with { AppearancePartialRejectDistance = 0.8f };
        var expected = new ulong[] { 13, 15, 16 }.Select(s => WalkersProtocol.Evaluate(s, options)).ToArray();
        var seeds = JsonDocument.Parse(File.ReadAllText(json)).RootElement.GetProperty("seeds").EnumerateArray().ToArray();
        Assert.Equal(3, seeds.Length);
        for (int i = 0; i < 3; i++)
        {
            var e = expected[i];
            Assert.Equal(e.Seed, seeds[i].GetProperty("seed").GetUInt64());
            Assert.Equal(e.Byte.Idf1, seeds[i].GetProperty("byte").GetProperty("idf1").GetDouble(), 12);
            Assert.Equal(e.Byte.NumSwitches, seeds[i].GetProperty("byte").GetProperty("num_switches").GetInt32());
            Assert.Equal(e.IouHota, seeds[i].GetProperty("iou").GetProperty("hota").GetDouble(), 12);
            Assert.Equal(e.MeetsBar, seeds[i].GetProperty("meets_bar").GetBoolean());
            Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"{e.Seed,4}   {e.Byte.Idf1,9:0.0000} {e.Byte.Mota,6:0.0000}"), r.StdOut);
        }
        Assert.Contains(string.Create(CultureInfo.InvariantCulture,
            $"3 seeds: ByteTracker mean IDF1 {expected.Average(x => x.Byte.Idf1):0.0000}"), r.StdOut);
        Assert.Contains($"bar met on {expected.Count(x => x.MeetsBar)} of 3", r.StdOut);
    }

    [Theory]
    [InlineData("--seeds 5-2: '5-2' is neither a seed nor a range A-B with A <= B", "--seeds", "5-2")]
    [InlineData("--seeds 1,x: 'x' is neither a seed nor a range", "--seeds", "1,x")]
    [InlineData("--tracking: Tracking:AppearancePartialRejectDistance = 0.5: must not be below AppearanceRejectDistance (0.6)",
        "--seeds", "1", "--tracking", "AppearancePartialRejectDistance=0.5")]
    public async Task EvalWalkers_BadArguments_OneLineNamingThem(string message, params string[] args)
    {
        var r = await MaskStreamProcess.RunAsync(["eval", "walkers", .. args]);

        Assert.Equal(2, r.ExitCode);
        Assert.Contains(message, r.StdErr);
    }

    private static void AppendRows(StringBuilder sb, int frame, JsonElement objects)
    {
        foreach (var o in objects.EnumerateArray())
        {
            var b = o.GetProperty("bbox");
            sb.Append(CultureInfo.InvariantCulture,
                $"{frame},{o.GetProperty("id").GetInt32()},{b[0].GetDouble():R},{b[1].GetDouble():R},{b[2].GetDouble():R},{b[3].GetDouble():R},1,1,1\n");
        }
    }
}
