using System.Collections.Immutable;
using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using MaskStream.Core.Geometry;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Service.Cli;

namespace MaskStream.Service.Tests.Cli;

/// <summary>
/// The random-init tiny model (as for detect), a short synthetic sequence from <c>dataset mot</c>, and one ByteTrack
/// run over it with every output, shared by the track tests. The model's detections are meaningless, so the tests
/// check the mechanics: formats, frame ranges, ids across outputs.
/// </summary>
public sealed class TrackCommandFixture : IDisposable
{
    public const int Frames = 10;

    // Random weights score most of their 100 boxes per frame in 0.55..0.99; keeping ~20 keeps the mask head cheap.
    public const string MinScore = "0.9";

    private readonly DetectModelFixture _model = new();

    public TrackCommandFixture()
    {
        Check(TrackCommandTests.InvokeAsync(DatasetCommand.Create(),
            "dataset", "mot", "--out", Sequence, "--frames", $"{Frames}", "--seed", "5", "--size", "320x240").GetAwaiter().GetResult());
        Check(TrackCommandTests.InvokeAsync(TrackCommand.Create(), "track", "--model", ModelDir, "--input", Video, "--output", ByteTracks,
            "--jsonl", ByteJsonl, "--video", ByteVideo, "--min-score", MinScore).GetAwaiter().GetResult());
    }

    public string Root => _model.Root;

    public string ModelDir => _model.ModelDir;

    public string Sequence => Path.Combine(Root, "seq");

    public string Video => Path.Combine(Sequence, "video.mp4");

    public string Gt => Path.Combine(Sequence, "gt.txt");

    public string ByteTracks => Path.Combine(Root, "byte", "tracks.txt");

    public string ByteJsonl => Path.Combine(Root, "byte", "tracks.jsonl");

    public string ByteVideo => Path.Combine(Root, "byte", "tracks.mp4");

    public void Dispose() => _model.Dispose();

    private static void Check(int exitCode)
    {
        if (exitCode != 0) throw new InvalidOperationException($"fixture command exited with {exitCode}");
    }
}

/// <summary><c>maskstream track</c> end to end, in-process and through the executable (exit codes, stdout).</summary>
public sealed class TrackCommandTests(TrackCommandFixture fx) : IClassFixture<TrackCommandFixture>
{
    private const int Width = 320, Height = 240;

    internal static Task<int> InvokeAsync(Command verb, params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(verb);
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    private string Out(string name) => Path.Combine(fx.Root, Guid.NewGuid().ToString("N"), name);

    private sealed record MotRow(int Frame, long Id, double X, double Y, double W, double H, double Score, int ClassId);

    /// <summary>Parses tracks.txt, checking every row's shape: 10 fields, integer frame/id/class, -1 for the last two.</summary>
    private static List<MotRow> ReadRows(string path)
    {
        var rows = new List<MotRow>();
        foreach (string line in File.ReadAllLines(path))
        {
            string[] f = line.Split(',');
            Assert.True(f.Length == 10, $"'{line}': expected 10 fields");
            Assert.Equal(["-1", "-1"], f[8..]);
            double P(int i) => double.Parse(f[i], NumberStyles.Float, CultureInfo.InvariantCulture);
            rows.Add(new MotRow(int.Parse(f[0], CultureInfo.InvariantCulture), long.Parse(f[1], CultureInfo.InvariantCulture),
                P(2), P(3), P(4), P(5), P(6), int.Parse(f[7], CultureInfo.InvariantCulture)));
        }
        return rows;
    }

    private static void AssertWellFormed(List<MotRow> rows)
    {
        Assert.NotEmpty(rows);
        foreach (var r in rows)
        {
            Assert.InRange(r.Frame, 1, TrackCommandFixture.Frames);
            Assert.True(r.Id >= 1, $"id {r.Id}");
            Assert.True(r.W > 0 && r.H > 0, $"{r}: empty box");
            // Boxes are clipped to the image (the detector's, and the tracker's predictions).
            Assert.True(r.X >= 0 && r.Y >= 0 && r.X + r.W <= Width + 0.01 && r.Y + r.H <= Height + 0.01, $"{r}: outside {Width}x{Height}");
            Assert.InRange(r.Score, 0.9, 1.0);
            Assert.InRange(r.ClassId, 1, 3);
        }
        Assert.DoesNotContain(rows.GroupBy(r => (r.Frame, r.Id)), g => g.Count() > 1);
        // A track takes detections of its own class only.
        Assert.All(rows.GroupBy(r => r.Id), g => Assert.Single(g.Select(r => r.ClassId).Distinct()));
    }

    [Fact]
    public void Byte_WritesWellFormedRowsFromFrameOneToTheLastWithIdsKeptAcrossFrames()
    {
        var rows = ReadRows(fx.ByteTracks);
        AssertWellFormed(rows);
        Assert.Equal(Enumerable.Range(1, TrackCommandFixture.Frames), rows.Select(r => r.Frame).Distinct().Order());
        // Rows come frame by frame, in track-id order within a frame (TrackingResult's order).
        Assert.Equal(rows.OrderBy(r => r.Frame).ThenBy(r => r.Id), rows);
        Assert.Contains(rows.GroupBy(r => r.Id), g => g.Count() >= TrackCommandFixture.Frames / 2);
    }

    [Fact]
    public void Jsonl_HoldsTheMotRowsTracksWithStateAndAge()
    {
        var rows = ReadRows(fx.ByteTracks);
        var lines = File.ReadAllLines(fx.ByteJsonl).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal(Enumerable.Range(0, TrackCommandFixture.Frames), lines.Select(l => l.GetProperty("frame").GetInt32()));
        var firstFrameMinusAge = new Dictionary<long, int>();
        string[] classes = ["__background__", "person", "car", "dog"];
        foreach (var line in lines)
        {
            int frame = line.GetProperty("frame").GetInt32();
            Assert.Equal((Width, Height), (line.GetProperty("width").GetInt32(), line.GetProperty("height").GetInt32()));
            var objects = line.GetProperty("objects").EnumerateArray().ToArray();
            var expected = rows.Where(r => r.Frame == frame + 1).ToArray();
            Assert.Equal(expected.Select(r => r.Id), objects.Select(o => o.GetProperty("track_id").GetInt64()));
            foreach (var (o, r) in objects.Zip(expected))
            {
                Assert.Equal("tracked", o.GetProperty("track_state").GetString());
                Assert.Equal(r.ClassId, o.GetProperty("class_id").GetInt32());
                Assert.Equal(classes[r.ClassId], o.GetProperty("class").GetString());
                Assert.Equal(r.Score, o.GetProperty("score").GetDouble(), 0.00006);
                var b = o.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal([r.X, r.Y, r.W, r.H], new[] { b[0], b[1], b[2] - b[0], b[3] - b[1] }, (a, e) => Math.Abs(a - e) < 0.006);
                Assert.Equal([Height, Width], o.GetProperty("mask").GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
                Assert.Equal(r.ClassId == 1, o.TryGetProperty("keypoints", out _));
                // Age counts frames since the track started: frame − age is the same on every line of a track.
                int age = o.GetProperty("age").GetInt32();
                Assert.True(age >= 0);
                if (firstFrameMinusAge.TryGetValue(r.Id, out int start)) Assert.Equal(start, frame - age);
                else firstFrameMinusAge[r.Id] = frame - age;
            }
        }
    }

    [Fact]
    public void Video_HasOneAnnotatedFramePerInputFrame()
    {
        using var capture = new OpenCvSharp.VideoCapture(fx.ByteVideo);
        Assert.True(capture.IsOpened());
        Assert.Equal(TrackCommandFixture.Frames, capture.FrameCount);
        Assert.Equal((Width, Height), (capture.FrameWidth, capture.FrameHeight));
        Assert.Equal(30, capture.Fps, 0.01); // the input's frame rate (dataset mot writes 30 fps)
    }

    [Fact]
    public async Task EvalMot_ScoresTheTracksAgainstTheSequencesGroundTruth()
    {
        string json = Out("metrics.json");
        Directory.CreateDirectory(Path.GetDirectoryName(json)!);
        Assert.Equal(0, await InvokeAsync(EvalCommand.Create(), "eval", "mot", "--gt", fx.Gt, "--tracks", fx.ByteTracks, "--json", json));
        var m = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        int gtRows = File.ReadAllLines(fx.Gt).Length, trackRows = File.ReadAllLines(fx.ByteTracks).Length;
        Assert.Equal(TrackCommandFixture.Frames, m.GetProperty("num_frames").GetInt32());
        Assert.Equal(gtRows, m.GetProperty("num_objects").GetInt32());
        Assert.Equal(trackRows, m.GetProperty("num_predictions").GetInt32());
        // py-motmetrics counts a switch apart from the matches: each gt row is a match, a switch or a miss.
        int matched = m.GetProperty("num_matches").GetInt32() + m.GetProperty("num_switches").GetInt32();
        Assert.Equal(gtRows, matched + m.GetProperty("num_misses").GetInt32());
        Assert.Equal(trackRows, matched + m.GetProperty("num_false_positives").GetInt32());
        Assert.InRange(m.GetProperty("idf1").GetDouble(), 0, 1);
    }

    [Fact]
    public async Task Executable_IouTracker_WritesRowsAndOneSummaryLineWithoutProgressWhenRedirected()
    {
        string tracks = Out("iou.txt");
        var r = await MaskStreamProcess.RunAsync(["track", "--model", fx.ModelDir, "--input", fx.Video, "--output", tracks,
            "--tracker", "IOU", "--min-score", TrackCommandFixture.MinScore]);
        Assert.True(r.ExitCode == 0, r.StdErr);
        var rows = ReadRows(tracks);
        AssertWellFormed(rows);
        string line = Assert.Single(r.StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.DoesNotContain('\r', r.StdOut);
        int ids = rows.Select(x => x.Id).Distinct().Count();
        Assert.StartsWith($"track (iou): {TrackCommandFixture.Frames} frames, {ids} tracks, {rows.Count} rows -> {tracks} (", line);
    }

    [Fact]
    public async Task Executable_MissingVideo_ExitsTwoWithOneLineNamingIt()
    {
        string missing = Path.Combine(fx.Root, "absent.mp4");
        var r = await MaskStreamProcess.RunAsync(["track", "--model", fx.ModelDir, "--input", missing, "--output", Out("x.txt")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"maskstream: --input {missing}: no such file or folder", r.StdErr.Trim());
    }

    [Fact]
    public async Task BadInputs_FailWithOneLineNamingTheFileOrOption()
    {
        string notVideo = Out("clip.mp4");
        Directory.CreateDirectory(Path.GetDirectoryName(notVideo)!);
        File.WriteAllText(notVideo, "not a video");
        var e = await Assert.ThrowsAsync<CliException>(() => Track("--input", notVideo));
        Assert.Equal($"--input {notVideo}: not an image and not a video OpenCV can read", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => Track("--input", fx.Video, "--tracker", "sort"));
        Assert.Equal("--tracker sort: expected byte or iou", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => Track("--input", fx.Video, "--fps", "0"));
        Assert.Equal("--fps 0: expected a positive number of frames per second", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => Track("--input", fx.Video, "--min-score", "1.5"));
        Assert.Equal("--min-score 1.5: expected a number in [0, 1]", e.Message);

        string emptyModel = Out("model");
        Directory.CreateDirectory(emptyModel);
        e = await Assert.ThrowsAsync<CliException>(() => InvokeAsync(TrackCommand.Create(),
            "track", "--model", emptyModel, "--input", fx.Video, "--output", Out("x.txt")));
        Assert.Equal($"--model {emptyModel}: '{emptyModel}' is not a model directory: it has no model.json.", e.Message);
    }

    [Fact]
    public async Task Detections_FromDetectsJsonl_GiveTheSameRowsAsTrackingWithTheModelWithoutAppearance()
    {
        // detect once (same model, video and score cut as the fixture's track run), then track its JSON lines. The detect
        // lines carry no colour histograms, so they track as the model run does with the appearance cue off.
        string detections = Out("detections.jsonl"), tracks = Out("tracks.txt"), jsonl = Out("tracks.jsonl");
        string modelTracks = Out("model-tracks.txt"), modelJsonl = Out("model-tracks.jsonl");
        Assert.Equal(0, await InvokeAsync(TrackCommand.Create(), "track", "--model", fx.ModelDir, "--input", fx.Video,
            "--output", modelTracks, "--jsonl", modelJsonl, "--min-score", TrackCommandFixture.MinScore, "--tracking", "Appearance=false"));
        Assert.Equal(0, await InvokeAsync(DetectCommand.Create(), "detect", "--model", fx.ModelDir, "--input", fx.Video,
            "--output", detections, "--min-score", TrackCommandFixture.MinScore));
        Assert.Equal(0, await InvokeAsync(TrackCommand.Create(), "track", "--detections", detections, "--output", tracks, "--jsonl", jsonl));
        Assert.Equal(File.ReadAllLines(modelTracks), File.ReadAllLines(tracks));
        // The objects' JSON (class names included, taken from the detect lines) is the model run's too.
        Assert.Equal(File.ReadAllLines(modelJsonl), File.ReadAllLines(jsonl));
    }

    [Fact]
    public async Task Detections_WithTheVideo_GiveTheSameRowsAsTrackingWithTheModelWithAppearance()
    {
        // With --input the saved detections get the colour histograms of their pixels, as the model run computes them.
        string detections = Out("detections-app.jsonl"), tracks = Out("tracks-app.txt"), modelTracks = Out("model-tracks-app.txt");
        Assert.Equal(0, await InvokeAsync(TrackCommand.Create(), "track", "--model", fx.ModelDir, "--input", fx.Video,
            "--output", modelTracks, "--min-score", TrackCommandFixture.MinScore));
        Assert.Equal(0, await InvokeAsync(DetectCommand.Create(), "detect", "--model", fx.ModelDir, "--input", fx.Video,
            "--output", detections, "--min-score", TrackCommandFixture.MinScore));
        Assert.Equal(0, await InvokeAsync(TrackCommand.Create(), "track", "--detections", detections, "--input", fx.Video, "--output", tracks));
        Assert.Equal(File.ReadAllLines(modelTracks), File.ReadAllLines(tracks));

        // One line more than the video has frames: named, with both files.
        var lines = File.ReadAllLines(detections);
        string longer = Out("detections-longer.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(longer)!);
        File.WriteAllLines(longer, [.. lines, $$"""{"frame":{{lines.Length}},"width":1,"height":1,"objects":[]}"""]);
        var e = await Assert.ThrowsAsync<CliException>(() => InvokeAsync(TrackCommand.Create(), "track", "--detections", longer, "--input", fx.Video,
            "--output", Out("x.txt")));
        Assert.Equal($"--input {fx.Video}: ends before frame {lines.Length} of --detections {longer}", e.Message);
    }

    [Fact]
    public async Task Detections_AClassFirstSeenOnALaterLine_IsNamedInTheJsonl()
    {
        string detections = Out("late-class.jsonl"), tracks = Out("t.txt"), jsonl = Out("t.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(detections)!);
        string Obj(int id, string name, int x) =>
            $$"""{"class_id":{{id}},"class":"{{name}}","score":0.99,"bbox":[{{x}},10,{{x + 30}},90]}""";
        File.WriteAllLines(detections, Enumerable.Range(0, 4).Select(f =>
            $$"""{"frame":{{f}},"width":320,"height":240,"objects":[{{Obj(1, "person", 10)}}{{(f >= 2 ? "," + Obj(2, "car", 200) : "")}}]}"""));
        Assert.Equal(0, await InvokeAsync(TrackCommand.Create(), "track", "--detections", detections, "--output", tracks, "--jsonl", jsonl));
        var names = File.ReadAllLines(jsonl).SelectMany(l => JsonDocument.Parse(l).RootElement.GetProperty("objects").EnumerateArray())
            .Select(o => (o.GetProperty("class_id").GetInt32(), o.GetProperty("class").GetString())).Distinct().Order().ToArray();
        Assert.Equal([(1, "person"), (2, "car")], names);
    }

    [Fact]
    public async Task Tracking_SettingsReachTheTracker()
    {
        // No detection of the random model reaches 1.0, so with NewTrackThreshold = 1 no track ever starts.
        string tracks = Out("none.txt");
        Assert.Equal(0, await InvokeAsync(TrackCommand.Create(), "track", "--model", fx.ModelDir, "--input", fx.Video, "--output", tracks,
            "--min-score", TrackCommandFixture.MinScore, "--tracking", "NewTrackThreshold=1", "--tracking", "LostTrackBuffer=3s"));
        Assert.Empty(File.ReadAllLines(tracks));
        Assert.NotEmpty(File.ReadAllLines(fx.ByteTracks));
    }

    [Fact]
    public async Task BadTrackingSettingsAndDetections_FailWithOneLineNamingThem()
    {
        var e = await Assert.ThrowsAsync<CliException>(() => Track("--input", fx.Video, "--tracking", "Bogus=1"));
        Assert.StartsWith("--tracking: Tracking:Bogus = '1': unknown key; Tracking has ", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => Track("--input", fx.Video, "--tracking", "HighScoreThreshold=1.5"));
        Assert.StartsWith("--tracking: Tracking:HighScoreThreshold = 1.5: ", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => Track("--input", fx.Video, "--tracking", "HighScoreThreshold"));
        Assert.Equal("--tracking HighScoreThreshold: expected KEY=VALUE, e.g. HighScoreThreshold=0.6", e.Message);

        string missing = Path.Combine(fx.Root, "absent.jsonl");
        e = await Assert.ThrowsAsync<CliException>(() => InvokeAsync(TrackCommand.Create(), "track", "--detections", missing, "--output", Out("x.txt")));
        Assert.Equal($"--detections {missing}: no such file", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => Track("--detections", missing));
        Assert.Equal($"--detections {missing}: tracks a detect JSONL file, so --model and --video do not apply", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => InvokeAsync(TrackCommand.Create(), "track", "--output", Out("x.txt")));
        Assert.Equal("track needs --model and --input (or --detections with the JSON lines of maskstream detect)", e.Message);

        string broken = Out("broken.jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(broken)!);
        File.WriteAllLines(broken, [
            """{"frame":0,"width":320,"height":240,"objects":[]}""",
            """{"frame":1,"width":320,"height":240,"objects":[{"class_id":1,"score":0.9,"bbox":[1,2,3]}]}""",
        ]);
        e = await Assert.ThrowsAsync<CliException>(() => InvokeAsync(TrackCommand.Create(), "track", "--detections", broken, "--output", Out("x.txt")));
        Assert.Equal($"--detections {broken}: line 2: objects[0]: field 'bbox' must be [x1, y1, x2, y2]", e.Message);
    }

    private Task<int> Track(params string[] args) =>
        InvokeAsync(TrackCommand.Create(), ["track", "--model", fx.ModelDir, "--output", Out("x.txt"), .. args]);

    [Fact]
    public void MotRow_WritesXywhFromTheXyxyBox()
    {
        var d = new Detection(2, 0.876543f, new BoxF(10.5f, 20.25f, 40.5f, 80f), null, ImmutableArray<Keypoint>.Empty);
        Assert.Equal("5,7,10.5,20.25,30,59.75,0.8765,2,-1,-1", TrackCommand.MotRow(5, new TrackedObject(7, TrackState.Tracked, 3, d)));
    }

    [Fact]
    public void MotRow_BoxOfAMasksPixels_GivesGtTxtsXywh()
    {
        // Pixels in columns 3..6 and rows 2..4: dataset mot writes toBbox = 3,2,4,3; the detector's continuous box of
        // the same pixels is [3, 2, 7, 5], and the row must say the same.
        var pixels = new byte[10 * 12];
        for (int y = 2; y <= 4; y++)
            for (int x = 3; x <= 6; x++) pixels[y * 12 + x] = 1;
        var mask = RleMask.Encode(pixels, 10, 12);
        Assert.Equal((3.0, 2.0, 4.0, 3.0), mask.ToBbox());
        var d = new Detection(1, 1f, mask.ToBoxF(), mask, ImmutableArray<Keypoint>.Empty);
        Assert.Equal("1,1,3,2,4,3,1,1,-1,-1", TrackCommand.MotRow(1, new TrackedObject(1, TrackState.Tracked, 0, d)));
    }

    [Fact]
    public void ProgressLine_RewritesOneLineAtMostFourTimesASecondAndEndsItWithTheFinalFigures()
    {
        var text = new StringWriter();
        var progress = new TrackCommand.ProgressLine(text);
        progress.Report(1, TimeSpan.FromSeconds(0.5), 3, 3);
        progress.Report(2, TimeSpan.FromSeconds(0.6), 4, 5); // within 250 ms of the last line: not shown
        progress.Report(3, TimeSpan.FromSeconds(1.0), 2, 6);
        progress.Report(4, TimeSpan.FromSeconds(1.1), 5, 7);
        progress.Finish(4, TimeSpan.FromSeconds(2.0), 7);
        Assert.Equal(
            "\rtrack: 1 frames, 2.0 fps, 3 tracks now, 3 seen   " +
            "\rtrack: 3 frames, 3.0 fps, 2 tracks now, 6 seen   " +
            "\rtrack: 4 frames, 2.0 fps, 5 tracks now, 7 seen   \n", text.ToString());
    }
}
