using System.CommandLine;
using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Core.Objects;
using MaskStream.Ingest.Synthetic;
using MaskStream.Service.Cli;
using OpenCvSharp;

namespace MaskStream.Service.Tests.Cli;

/// <summary>End-to-end: <c>maskstream dataset coco|mot</c> run in-process, files read back independently.</summary>
public sealed class DatasetCommandTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "maskstream-dataset-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, recursive: true);
    }

    private static Task<int> RunAsync(params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(DatasetCommand.Create());
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public async Task Coco_WritesCocoWhoseMasksBoxesAreasAndKeypointsAgree()
    {
        string outDir = Path.Combine(_dir, "coco");
        Assert.Equal(0, await RunAsync("dataset", "coco", "--out", outDir, "--images", "4", "--seed", "5", "--size", "160x120"));

        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "annotations.json")));
        var root = doc.RootElement;
        var images = root.GetProperty("images").EnumerateArray().ToArray();
        Assert.Equal([1, 2, 3, 4], images.Select(i => i.GetProperty("id").GetInt32()));
        foreach (var image in images)
        {
            Assert.Equal((160, 120), (image.GetProperty("width").GetInt32(), image.GetProperty("height").GetInt32()));
            string png = Path.Combine(outDir, "images", image.GetProperty("file_name").GetString()!);
            using var read = Cv2.ImRead(png, ImreadModes.Color);
            Assert.Equal((160, 120), (read.Cols, read.Rows));
        }

        var categories = root.GetProperty("categories").EnumerateArray().ToArray();
        Assert.Equal([(1, "person"), (2, "car"), (3, "dog")],
            categories.Select(c => (c.GetProperty("id").GetInt32(), c.GetProperty("name").GetString()!)));
        Assert.Equal(CocoPersonKeypoints.Names, categories[0].GetProperty("keypoints").EnumerateArray().Select(k => k.GetString()!));
        Assert.Equal(CocoPersonKeypoints.Skeleton.Select(p => new[] { p.A, p.B }),
            categories[0].GetProperty("skeleton").EnumerateArray().Select(p => p.EnumerateArray().Select(v => v.GetInt32()).ToArray()));
        Assert.All(categories, c => Assert.False(string.IsNullOrEmpty(c.GetProperty("supercategory").GetString())));

        var annotations = root.GetProperty("annotations").EnumerateArray().ToArray();
        Assert.True(annotations.Length >= 4, $"{annotations.Length} annotations");
        Assert.Equal(Enumerable.Range(1, annotations.Length), annotations.Select(a => a.GetProperty("id").GetInt32()));
        foreach (var a in annotations)
        {
            Assert.InRange(a.GetProperty("image_id").GetInt32(), 1, 4);
            Assert.InRange(a.GetProperty("category_id").GetInt32(), 1, 3);
            Assert.Equal(0, a.GetProperty("iscrowd").GetInt32());
            var seg = a.GetProperty("segmentation");
            Assert.Equal([120, 160], seg.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
            var mask = RleMask.FromCompressedString(seg.GetProperty("counts").GetString()!, 120, 160);
            long area = a.GetProperty("area").GetInt64();
            Assert.Equal(mask.Area, area);
            Assert.True(area >= 64, "objects under 64 visible pixels are skipped");
            var bbox = a.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(mask.ToBbox(), (bbox[0], bbox[1], bbox[2], bbox[3]));

            if (a.GetProperty("category_id").GetInt32() != SyntheticClasses.Person)
            {
                Assert.False(a.TryGetProperty("keypoints", out _));
                continue;
            }
            var k = a.GetProperty("keypoints").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            Assert.Equal(51, k.Length);
            int labelled = 0;
            var pixels = mask.Decode();
            for (int j = 0; j < 17; j++)
            {
                int v = (int)k[3 * j + 2];
                Assert.InRange(v, 0, 2);
                if (v > 0) labelled++;
                if (v == 2) Assert.Equal(1, pixels[(int)Math.Round(k[3 * j + 1]) * 160 + (int)Math.Round(k[3 * j])]);
            }
            Assert.Equal(labelled, a.GetProperty("num_keypoints").GetInt32());
        }
    }

    [Fact]
    public async Task Coco_ImagesAreTheScenesNamedInTheirRecords()
    {
        // Each image records its scene URI and frame, so the pixels can be regenerated exactly.
        string outDir = Path.Combine(_dir, "regen");
        Assert.Equal(0, await RunAsync("dataset", "coco", "--out", outDir, "--images", "3", "--seed", "9", "--size", "96x64"));
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(outDir, "annotations.json")));
        var images = doc.RootElement.GetProperty("images").EnumerateArray().ToArray();
        Assert.Equal(3, images.Select(i => i.GetProperty("scene").GetString()).Distinct().Count());
        foreach (var image in images)
        {
            using var scene = SyntheticScene.Open(image.GetProperty("scene").GetString()!);
            var expected = new byte[scene.FrameBytes];
            scene.Render(image.GetProperty("frame").GetInt64(), expected);
            using var read = Cv2.ImRead(Path.Combine(outDir, "images", image.GetProperty("file_name").GetString()!), ImreadModes.Color);
            Assert.True(read.IsContinuous());
            read.GetArray(out Vec3b[] actual);
            Assert.True(System.Runtime.InteropServices.MemoryMarshal.AsBytes(actual.AsSpan()).SequenceEqual(expected));
        }
    }

    [Fact]
    public async Task Coco_SameFlagsTwice_IdenticalAnnotations()
    {
        string a = Path.Combine(_dir, "a"), b = Path.Combine(_dir, "b");
        Assert.Equal(0, await RunAsync("dataset", "coco", "--out", a, "--images", "3", "--seed", "11", "--size", "96x64"));
        Assert.Equal(0, await RunAsync("dataset", "coco", "--out", b, "--images", "3", "--seed", "11", "--size", "96x64"));
        Assert.Equal(File.ReadAllBytes(Path.Combine(a, "annotations.json")), File.ReadAllBytes(Path.Combine(b, "annotations.json")));
    }

    [Fact]
    public async Task Mot_GtRowsMatchTheVideoFrameCountAndAreWellFormed()
    {
        string outDir = Path.Combine(_dir, "mot");
        const int frames = 45;
        Assert.Equal(0, await RunAsync("dataset", "mot", "--out", outDir, "--frames", frames.ToString(), "--seed", "2", "--size", "160x120"));

        int decoded = 0;
        using (var capture = new VideoCapture(Path.Combine(outDir, "video.mp4")))
        {
            Assert.True(capture.IsOpened());
            Assert.Equal((160, 120), (capture.FrameWidth, capture.FrameHeight));
            using var frame = new Mat();
            while (capture.Read(frame) && !frame.Empty()) decoded++;
        }
        Assert.Equal(frames, decoded);

        var rows = File.ReadAllLines(Path.Combine(outDir, "gt.txt"));
        Assert.NotEmpty(rows);
        var keys = new HashSet<(int, int)>();
        var frameNumbers = new HashSet<int>();
        foreach (string line in rows)
        {
            var f = line.Split(',');
            Assert.Equal(9, f.Length);
            int n = int.Parse(f[0]), id = int.Parse(f[1]);
            double x = double.Parse(f[2]), y = double.Parse(f[3]), w = double.Parse(f[4]), h = double.Parse(f[5]);
            Assert.InRange(n, 1, frames);
            Assert.True(id > 0);
            Assert.True(keys.Add((n, id)), $"frame {n} id {id} twice");
            Assert.True(w > 0 && h > 0 && x >= 0 && y >= 0 && x + w <= 160 && y + h <= 120, line);
            Assert.Contains(f[6], (string[])["0", "1"]); // consider: 0 for objects under MotDatasetOptions.MinArea visible pixels
            Assert.InRange(int.Parse(f[7]), 1, 3);
            Assert.InRange(double.Parse(f[8], System.Globalization.CultureInfo.InvariantCulture), 0.0, 1.0);
            frameNumbers.Add(n);
        }
        Assert.Equal(1, frameNumbers.Min());

        // gt.jsonl: one line per frame, the same objects, masks that decode to the boxes of gt.txt.
        var jsonl = File.ReadAllLines(Path.Combine(outDir, "gt.jsonl"));
        Assert.Equal(frames, jsonl.Length);
        int objects = 0;
        foreach (string line in jsonl)
        {
            using var doc = JsonDocument.Parse(line);
            int n = doc.RootElement.GetProperty("frame").GetInt32();
            foreach (var o in doc.RootElement.GetProperty("objects").EnumerateArray())
            {
                objects++;
                Assert.Contains((n, o.GetProperty("id").GetInt32()), keys);
                var m = o.GetProperty("mask");
                var mask = RleMask.FromCompressedString(m.GetProperty("counts").GetString()!, 120, 160);
                Assert.Equal(mask.Area, o.GetProperty("area").GetInt64());
                var b = o.GetProperty("bbox").EnumerateArray().Select(v => v.GetDouble()).ToArray();
                Assert.Equal(mask.ToBbox(), (b[0], b[1], b[2], b[3]));
            }
        }
        Assert.Equal(rows.Length, objects);
    }

    [Theory]
    [InlineData("--size '0x480': expected WxH with 32 ≤ W,H ≤ 4096", "dataset", "coco", "--out", "OUT", "--size", "0x480")]
    [InlineData("--images 0: expected an integer ≥ 1", "dataset", "coco", "--out", "OUT", "--images", "0")]
    [InlineData("--seed 'x7': expected an integer from 0 to 18446744073709551615", "dataset", "coco", "--out", "OUT", "--seed", "x7")]
    [InlineData("--size '161x120': expected even W and H for the mp4v video", "dataset", "mot", "--out", "OUT", "--size", "161x120")]
    [InlineData("--frames 0: expected an integer ≥ 1", "dataset", "mot", "--out", "OUT", "--frames", "0")]
    public async Task BadFlag_CliExceptionNamesFlagValueAndRule(string message, params string[] args)
    {
        args = args.Select(a => a == "OUT" ? Path.Combine(_dir, "bad") : a).ToArray();
        var e = await Assert.ThrowsAsync<CliException>(() => RunAsync(args));
        Assert.Equal(message, e.Message);
        Assert.False(Directory.Exists(Path.Combine(_dir, "bad")));
    }
}
