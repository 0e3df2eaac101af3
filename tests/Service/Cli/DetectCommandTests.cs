using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Service.Cli;

namespace MaskStream.Service.Tests.Cli;

/// <summary>A random-init tiny model exported once for the detect tests (tools/model/export.py, seed 1, ~12 s).</summary>
public sealed class DetectModelFixture : IDisposable
{
    public DetectModelFixture()
    {
        string repo = RepoRoot();
        var info = new ProcessStartInfo("/usr/bin/python3",
            $"{Path.Combine(repo, "tools", "model", "export.py")} --arch tiny --weights none --seed 1 --out {ModelDir}")
        { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(info)!;
        string err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"export.py failed (needs Debian's python3-torch): {err}");
    }

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "maskstream-detect-cli-" + Guid.NewGuid().ToString("N"));

    public string ModelDir => Path.Combine(Root, "model");

    public static string Frames => Path.Combine(AppContext.BaseDirectory, "fixtures", "detector", "frames");

    public void Dispose()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    private static string RepoRoot() => MaskStream.Testing.RepositoryRoot.Path;
}

/// <summary><c>maskstream detect</c> end to end, in-process (and once through the executable for the exit code).</summary>
public sealed class DetectCommandTests(DetectModelFixture model) : IClassFixture<DetectModelFixture>
{
    private string Out(string name) => Path.Combine(model.Root, Guid.NewGuid().ToString("N"), name);

    private static Task<int> RunAsync(params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(DetectCommand.Create());
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public async Task Folder_WritesOneContractLinePerImageAndAnnotatedImages()
    {
        string jsonl = Out("r.jsonl"), images = Out("annotated");
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", DetectModelFixture.Frames, "--output", jsonl, "--images", images));
        var lines = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([0, 1, 2], lines.Select(l => l.GetProperty("frame").GetInt32()));
        Assert.Equal(["000001.png", "000002.png", "000003.png"], lines.Select(l => l.GetProperty("source").GetString()));
        string[] classes = ["__background__", "person", "car", "dog"];
        int persons = 0;
        foreach (var line in lines)
        {
            Assert.Equal((320, 240), (line.GetProperty("width").GetInt32(), line.GetProperty("height").GetInt32()));
            var objects = line.GetProperty("objects").EnumerateArray().ToArray();
            Assert.NotEmpty(objects);
            var scores = objects.Select(o => o.GetProperty("score").GetSingle()).ToArray();
            Assert.Equal(scores.OrderDescending(), scores);
            foreach (var o in objects)
            {
                int id = o.GetProperty("class_id").GetInt32();
                Assert.Equal(classes[id], o.GetProperty("class").GetString());
                Assert.InRange(o.GetProperty("score").GetSingle(), 0.05f, 1f);
                var box = o.GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle()).ToArray();
                Assert.True(box[2] >= box[0] && box[3] >= box[1], "xyxy");
                var m = o.GetProperty("mask");
                Assert.Equal([240, 320], m.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
                var mask = RleMask.FromCompressedString(m.GetProperty("counts").GetString()!, 240, 320);
                // The mask's own score is the box score times a mean of probabilities above 0.5: in (score / 2, score], 0 for
                // an empty mask head output.
                float score = o.GetProperty("score").GetSingle(), maskScore = o.GetProperty("mask_score").GetSingle();
                Assert.True(maskScore <= score && (maskScore > score / 2 || maskScore == 0), $"mask_score {maskScore}, score {score}");
                if (mask.Area > 0)
                {
                    // The pasted mask lives inside the box expanded by 30/28 (paste padding) plus a pixel.
                    var mb = mask.ToBoxF();
                    float padX = (box[2] - box[0]) / 28 + 2, padY = (box[3] - box[1]) / 28 + 2;
                    Assert.True(mb.X1 >= box[0] - padX && mb.X2 <= box[2] + padX && mb.Y1 >= box[1] - padY && mb.Y2 <= box[3] + padY,
                        $"mask bbox {mb} outside box [{string.Join(",", box)}]");
                }
                bool hasKeypoints = o.TryGetProperty("keypoints", out var kps);
                Assert.Equal(id == 1, hasKeypoints);
                Assert.Equal(hasKeypoints, o.TryGetProperty("keypoint_score", out _));
                if (hasKeypoints)
                {
                    persons++;
                    Assert.Equal(17, kps.GetArrayLength());
                    // score times the mean sigmoid of the keypoint logits
                    double mean = kps.EnumerateArray().Average(k => 1 / (1 + Math.Exp(-k[2].GetDouble())));
                    Assert.Equal(score * mean, o.GetProperty("keypoint_score").GetDouble(), 5);
                    Assert.All(kps.EnumerateArray(), k => Assert.Equal(3, k.GetArrayLength()));
                }
            }
        }
        Assert.True(persons > 0);
        Assert.Equal(["000001.jpg", "000002.jpg", "000003.jpg"], Directory.GetFiles(images).Select(Path.GetFileName).Order());
    }

    [Fact]
    public async Task SingleImageWithMinScore_WritesOneLineWithOnlyDetectionsAboveIt()
    {
        string jsonl = Out("one.jsonl");
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", Path.Combine(DetectModelFixture.Frames, "000002.png"),
            "--output", jsonl, "--min-score", "0.9"));
        var line = JsonDocument.Parse(Assert.Single(File.ReadAllLines(jsonl))).RootElement;
        Assert.Equal("000002.png", line.GetProperty("source").GetString());
        var scores = line.GetProperty("objects").EnumerateArray().Select(o => o.GetProperty("score").GetSingle()).ToArray();
        Assert.NotEmpty(scores);
        Assert.All(scores, s => Assert.True(s >= 0.9f, $"score {s}"));
    }

    [Fact]
    public async Task ExactKeypoints_SameDetections_KeypointsWithinHalfAPixelOfTheRefinedOnes()
    {
        // Sub-pixel refinement is the default; --exact-keypoints gives torchvision's whole-pixel positions. Boxes and
        // scores are the same; each keypoint moves by at most half a pixel of the resized input (this model runs a
        // 640×480 frame at its own size: half a frame pixel), and some move.
        string input = Path.Combine(DetectModelFixture.Frames, "000002.png"), refined = Out("refined.jsonl"), exact = Out("exact.jsonl");
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", input, "--output", refined));
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", input, "--output", exact, "--exact-keypoints"));
        var a = JsonDocument.Parse(Assert.Single(File.ReadAllLines(refined))).RootElement.GetProperty("objects").EnumerateArray().ToArray();
        var b = JsonDocument.Parse(Assert.Single(File.ReadAllLines(exact))).RootElement.GetProperty("objects").EnumerateArray().ToArray();
        Assert.Equal(a.Length, b.Length);
        int moved = 0, compared = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].GetProperty("bbox").ToString(), b[i].GetProperty("bbox").ToString());
            Assert.Equal(a[i].GetProperty("score").GetSingle(), b[i].GetProperty("score").GetSingle());
            if (!a[i].TryGetProperty("keypoints", out var ka)) continue;
            var kb = b[i].GetProperty("keypoints");
            for (int k = 0; k < ka.GetArrayLength(); k++)
            {
                float dx = ka[k][0].GetSingle() - kb[k][0].GetSingle(), dy = ka[k][1].GetSingle() - kb[k][1].GetSingle();
                Assert.True(Math.Abs(dx) <= 0.5f + 1e-3f && Math.Abs(dy) <= 0.5f + 1e-3f, $"object {i} keypoint {k} moved ({dx}, {dy})");
                Assert.Equal(ka[k][2].GetSingle(), kb[k][2].GetSingle());
                compared++;
                if (dx != 0 || dy != 0) moved++;
            }
        }
        Assert.True(compared > 0 && moved > 0, $"{moved} of {compared} keypoints moved");
    }

    [Fact]
    public async Task MaskPasteAligned_SameDetections_MasksNearTorchvisionPaste_BadValueNamed()
    {
        // The aligned paste changes only the masks: the same boxes and scores, and each aligned mask within its box
        // grown by one mask cell (the zero ring), where the paste can reach. (This random-weight model's probabilities
        // hover around 0.5, so the two pastes' masks are not compared with each other here; the kernel tests compare
        // the aligned paste with detectron2's.)
        string input = Path.Combine(DetectModelFixture.Frames, "000002.png"), tv = Out("tv.jsonl"), aligned = Out("aligned.jsonl");
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", input, "--output", tv, "--min-score", "0.3"));
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", input, "--output", aligned, "--min-score", "0.3",
            "--mask-paste", "aligned"));
        var a = JsonDocument.Parse(Assert.Single(File.ReadAllLines(tv))).RootElement.GetProperty("objects").EnumerateArray().ToArray();
        var b = JsonDocument.Parse(Assert.Single(File.ReadAllLines(aligned))).RootElement.GetProperty("objects").EnumerateArray().ToArray();
        Assert.Equal(a.Length, b.Length);
        Assert.NotEmpty(a);
        int differ = 0;
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(a[i].GetProperty("bbox").ToString(), b[i].GetProperty("bbox").ToString());
            Assert.Equal(a[i].GetProperty("score").GetSingle(), b[i].GetProperty("score").GetSingle());
            var ma = Rle(a[i].GetProperty("mask"));
            var mb = Rle(b[i].GetProperty("mask"));
            var box = b[i].GetProperty("bbox").EnumerateArray().Select(v => v.GetSingle()).ToArray();
            float cw = (box[2] - box[0]) / 28f, ch = (box[3] - box[1]) / 28f;
            var bits = mb.Decode();
            for (int p = 0; p < bits.Length; p++)
            {
                if (bits[p] == 0) continue;
                float cx = p % mb.Width + 0.5f, cy = p / mb.Width + 0.5f;
                Assert.True(cx > box[0] - cw && cx < box[2] + cw && cy > box[1] - ch && cy < box[3] + ch,
                    $"object {i}: pixel ({cx - 0.5f}, {cy - 0.5f}) outside its box [{string.Join(", ", box)}]");
            }
            if (!ma.Equals(mb)) differ++;
        }
        Assert.True(differ > 0, "the aligned paste changed no mask");
        var e = await Assert.ThrowsAsync<CliException>(() => RunAsync("detect", "--model", model.ModelDir, "--input", input,
            "--output", Out("x.jsonl"), "--mask-paste", "exact"));
        Assert.Equal("--mask-paste exact: expected torchvision or aligned", e.Message);
    }

    private static MaskStream.Core.Masks.RleMask Rle(JsonElement mask)
    {
        var size = mask.GetProperty("size");
        return MaskStream.Core.Masks.RleMask.FromCompressedString(mask.GetProperty("counts").GetString()!, size[0].GetInt32(), size[1].GetInt32());
    }

    [Fact]
    public async Task Video_WritesOneLinePerFrameWithoutSourceAndAnAnnotatedVideo()
    {
        string dir = Out("seq");
        Assert.Equal(0, await DatasetMot(dir));
        string jsonl = Out("v.jsonl"), video = Out("v.mp4");
        Assert.Equal(0, await RunAsync("detect", "--model", model.ModelDir, "--input", Path.Combine(dir, "video.mp4"), "--output", jsonl, "--video", video));
        var lines = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToArray();
        Assert.Equal([0, 1, 2, 3], lines.Select(l => l.GetProperty("frame").GetInt32()));
        Assert.All(lines, l => Assert.False(l.TryGetProperty("source", out _)));
        using var capture = new OpenCvSharp.VideoCapture(video);
        Assert.True(capture.IsOpened());
        Assert.Equal(4, capture.FrameCount);
    }

    [Fact]
    public async Task BadInputs_FailWithOneLineNamingTheFile()
    {
        string missing = Path.Combine(model.Root, "nope.png");
        var e = await Assert.ThrowsAsync<CliException>(() => RunAsync("detect", "--model", model.ModelDir, "--input", missing, "--output", Out("x.jsonl")));
        Assert.Equal($"--input {missing}: no such file or folder", e.Message);

        string corrupt = Out("broken.png");
        Directory.CreateDirectory(Path.GetDirectoryName(corrupt)!);
        File.WriteAllBytes(corrupt, [0x89, 0x50, 0x4E, 0x47, 1, 2, 3]);
        e = await Assert.ThrowsAsync<CliException>(() => RunAsync("detect", "--model", model.ModelDir, "--input", corrupt, "--output", Out("x.jsonl")));
        Assert.Equal($"{corrupt}: cannot decode the image (corrupt or unsupported)", e.Message);

        string notVideo = Out("notes.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(notVideo)!);
        File.WriteAllText(notVideo, "hello");
        e = await Assert.ThrowsAsync<CliException>(() => RunAsync("detect", "--model", model.ModelDir, "--input", notVideo, "--output", Out("x.jsonl")));
        Assert.Equal($"--input {notVideo}: not an image and not a video OpenCV can read", e.Message);

        string emptyModel = Out("model");
        Directory.CreateDirectory(emptyModel);
        e = await Assert.ThrowsAsync<CliException>(() => RunAsync("detect", "--model", emptyModel, "--input", DetectModelFixture.Frames, "--output", Out("x.jsonl")));
        Assert.Equal($"--model {emptyModel}: '{emptyModel}' is not a model directory: it has no model.json.", e.Message);

        e = await Assert.ThrowsAsync<CliException>(() => RunAsync("detect", "--model", model.ModelDir, "--input", DetectModelFixture.Frames, "--output", Out("x.jsonl"), "--device", "tpu"));
        Assert.Equal("--device tpu: expected cpu or cuda", e.Message);
    }

    [Fact]
    public async Task Executable_MissingInput_ExitsTwoWithOneLine()
    {
        string missing = Path.Combine(model.Root, "absent");
        var r = await MaskStreamProcess.RunAsync(["detect", "--model", model.ModelDir, "--input", missing, "--output", Out("x.jsonl")]);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal($"maskstream: --input {missing}: no such file or folder", r.StdErr.Trim());
    }

    private static Task<int> DatasetMot(string dir)
    {
        var root = new RootCommand();
        root.Subcommands.Add(DatasetCommand.Create());
        return root.Parse(["dataset", "mot", "--out", dir, "--frames", "4", "--size", "320x240"])
            .InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }
}
