using System.Globalization;
using System.Text;
using System.Text.Json;

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
