using System.CommandLine;
using System.Text.Json;
using MaskStream.Service.Cli;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests.Cli;

/// <summary><c>maskstream bench</c> in-process on a tiny rendered video and two small live synthetic cameras, with the
/// shared random tiny model: the figures are checked for consistency, never for speed.</summary>
[Collection(ServiceModelCollection.Name)]
public sealed class BenchCommandTests(DetectModelFixture model)
{
    private static Task<int> RunAsync(params string[] args)
    {
        var root = new RootCommand();
        root.Subcommands.Add(BenchCommand.Create());
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    [Fact]
    public async Task Bench_TinyVideoAndTwoLiveCameras_WritesConsistentJson()
    {
        string json = Path.Combine(model.Root, Guid.NewGuid().ToString("N"), "bench.json");
        Assert.Equal(0, await RunAsync("bench", "--model", model.ModelDir, "--frames", "6", "--size", "160x120", "--warmup", "2", "--repeat", "3",
            "--cameras", "2", "--duration", "2", "--json", json));

        var root = JsonDocument.Parse(File.ReadAllText(json)).RootElement;
        Assert.Equal(model.ModelDir, root.GetProperty("model").GetString());
        Assert.Equal(2, root.GetProperty("threads").GetInt32());

        var detector = root.GetProperty("detector_only");
        Assert.Equal(6, detector.GetProperty("frames").GetInt32());
        Assert.Equal(0, detector.GetProperty("failed").GetInt32());
        Assert.True(detector.GetProperty("fps").GetDouble() > 0);
        Assert.True(detector.GetProperty("allocated_bytes_per_frame").GetDouble() > 0);

        // The file camera loses nothing: every frame of the video is read, detected and published, one message each.
        var endToEnd = root.GetProperty("end_to_end");
        var file = Assert.Single(endToEnd.GetProperty("cameras").EnumerateArray());
        Assert.Equal("file", file.GetProperty("id").GetString());
        foreach (var field in new[] { "frames_read", "frames_processed", "frames_published" })
            Assert.Equal(6, file.GetProperty(field).GetInt64());
        Assert.Equal(0, file.GetProperty("frames_failed").GetInt64());
        Assert.Empty(file.GetProperty("dropped").EnumerateObject());
        Assert.Equal(6, endToEnd.GetProperty("frames_published").GetInt64());
        Assert.True(endToEnd.GetProperty("ratio_to_detector_only").GetDouble() > 0);
        Assert.Equal(endToEnd.GetProperty("ratio_to_detector_only").GetDouble() >= 0.9, endToEnd.GetProperty("meets_90_percent").GetBoolean());
        AssertLatencies(endToEnd);
        var repeats = root.GetProperty("repeats").EnumerateArray().ToArray();
        Assert.Equal(3, repeats.Length);
        // The reported runs are each side's median.
        Assert.Equal(detector.GetProperty("fps").GetDouble(), repeats.Select(r => r.GetProperty("detector_only_fps").GetDouble()).Order().ElementAt(1));
        Assert.Equal(endToEnd.GetProperty("fps").GetDouble(), repeats.Select(r => r.GetProperty("end_to_end_fps").GetDouble()).Order().ElementAt(1));
        // 6 objects messages, plus track events when the random model's detections become tracks.
        Assert.True(endToEnd.GetProperty("mqtt_messages").GetInt64() >= 6);
        Assert.Equal(0, endToEnd.GetProperty("mqtt_dropped").GetInt64());
        Assert.True(endToEnd.GetProperty("allocated_bytes_per_frame").GetDouble() > 0);
        var stages = endToEnd.GetProperty("stage_mean_ms");
        Assert.Equal(["detector_call", "tracking", "publish"], stages.EnumerateObject().Select(p => p.Name));
        Assert.All(stages.EnumerateObject(), p => Assert.True(p.Value.GetDouble() > 0, p.ToString()));
        // One camera: one frame per detector call.
        Assert.Equal(6, endToEnd.GetProperty("detector_calls").GetInt64());
        Assert.InRange(endToEnd.GetProperty("detector_busy_fraction").GetDouble(), 0.0001, 1.01);

        var live = root.GetProperty("live_cameras");
        Assert.Equal(2, live.GetProperty("seconds").GetDouble());
        var cameras = live.GetProperty("cameras").EnumerateArray().ToArray();
        Assert.Equal(["cam1", "cam2"], cameras.Select(c => c.GetProperty("id").GetString()));
        foreach (var c in cameras)
        {
            long read = c.GetProperty("frames_read").GetInt64();
            long dropped = c.GetProperty("dropped").EnumerateObject().Sum(d => d.Value.GetInt64());
            Assert.True(c.GetProperty("frames_published").GetInt64() > 0, c.ToString());
            // Every frame read is either detected or dropped (and counted by reason): the stop drains what is queued.
            Assert.Equal(read, c.GetProperty("frames_processed").GetInt64() + c.GetProperty("frames_failed").GetInt64() + dropped);
            Assert.All(c.GetProperty("dropped").EnumerateObject(), d => Assert.Contains(d.Name, new[] { "queue_full", "shutdown" }));
            Assert.True(c.GetProperty("fps").GetDouble() > 0);
        }
        AssertLatencies(live);
    }

    [Fact]
    public async Task Bench_MissingInput_NamesTheFile()
    {
        var e = await Assert.ThrowsAsync<CliException>(() => RunAsync("bench", "--model", model.ModelDir, "--input", "/nonexistent/clip.mp4"));
        Assert.Equal("--input '/nonexistent/clip.mp4': no such file", e.Message);
    }

    private static void AssertLatencies(JsonElement run)
    {
        var latency = run.GetProperty("latency_ms");
        double p50 = latency.GetProperty("p50").GetDouble(), p99 = latency.GetProperty("p99").GetDouble();
        Assert.True(p50 > 0 && p50 <= p99, $"p50 {p50} ms, p99 {p99} ms");
    }
}
