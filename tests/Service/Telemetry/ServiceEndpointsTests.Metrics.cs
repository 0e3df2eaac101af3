using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace MaskStream.Service.Tests.Http;

/// <summary><c>/metrics</c> scraped from the running service and checked against docs/METRICS.md; OTLP received by a
/// real HTTP listener.</summary>
public sealed partial class ServiceEndpointsTests
{
    [Fact]
    public async Task Metrics_Scraped_CarryEveryAlwaysFamilyOfMetricsMdWithPerCameraFigures()
    {
        var client = await ClientAsync();

        var text = await client.GetStringAsync(service.BaseUrl + "/metrics");
        var samples = ParsePrometheus(text);

        foreach (var family in DocumentedAlwaysFamilies())
            Assert.True(samples.Any(s => s.Name == family || s.Name == family + "_count"), $"{family} (docs/METRICS.md) is not on /metrics:\n{text}");
        foreach (var (camera, _, _) in RunningService.Cameras)
        {
            Assert.True(Value(samples, "maskstream_frames_decoded_total", ("camera", camera)) > 0);
            Assert.True(Value(samples, "maskstream_frames_processed_total", ("camera", camera)) > 0);
            Assert.True(Value(samples, "maskstream_frames_published_total", ("camera", camera)) > 0);
            Assert.True(Value(samples, "maskstream_frame_latency_seconds_count", ("camera", camera)) > 0);
            Assert.True(Value(samples, "maskstream_frame_latency_seconds_sum", ("camera", camera)) > 0);
            Assert.True(Value(samples, "maskstream_tracking_duration_seconds_count", ("camera", camera)) > 0);
            Assert.Equal(1, Value(samples, "maskstream_camera_online", ("camera", camera)));
            Assert.True(Value(samples, "maskstream_frames_dropped_total", ("camera", camera), ("reason", "queue_full")) >= 0);
            Assert.True(Value(samples, "maskstream_queue_depth", ("queue", "camera"), ("camera", camera)) >= 0);
        }
        foreach (var stage in new[] { "preprocess", "backbone_rpn", "proposals", "heads", "paste" })
            Assert.True(Value(samples, "maskstream_detector_stage_duration_seconds_count", ("stage", stage)) > 0, stage);
        // The +Inf bucket holds every observation.
        Assert.Equal(Value(samples, "maskstream_detector_duration_seconds_count"),
            Value(samples, "maskstream_detector_duration_seconds_bucket", ("le", "+Inf")));
        Assert.True(Value(samples, "maskstream_mqtt_messages_published_total") > 0);
        var target = samples.Single(s => s.Name == "target_info");
        Assert.Equal("maskstream", target.Labels["service_name"]);
        Assert.Equal("0.1.0", target.Labels["service_version"]);
        Assert.Equal(Environment.MachineName, target.Labels["service_instance_id"]);
    }

    [Fact]
    public async Task Otlp_HttpProtobuf_ReceivesMetricsAndOneTracePerFrameThroughTheStages()
    {
        await ClientAsync();

        // Exports are periodic and a histogram appears in the first one that follows its first value, so the test waits
        // for every name rather than for the first export; protobuf keeps strings as they are, so names are found in
        // the bytes. A name that never arrives fails the wait.
        string[] traceNames = ["maskstream.frame", "maskstream.queue", "maskstream.detect.backbone_rpn", "maskstream.detect.heads", "maskstream.track",
            "maskstream.publish", "service.instance.id"];
        string[] metricNames = ["maskstream.frames.processed", "maskstream.frame.latency", "maskstream.mqtt.messages.published"];
        await service.WaitAsync(() => Task.FromResult(traceNames.All(n => Posted("/v1/traces", n)) && metricNames.All(n => Posted("/v1/metrics", n))),
            "OTLP metrics and a published frame's trace through the stages");

        Assert.All(service.OtlpRequests, r => Assert.Equal("application/x-protobuf", r.ContentType));
    }

    private bool Posted(string path, string text) =>
        service.OtlpRequests.Any(r => r.Path == path && Encoding.UTF8.GetString(r.Body).Contains(text, StringComparison.Ordinal));

    /// <summary>The Prometheus names of docs/METRICS.md's rows exported "always".</summary>
    private static List<string> DocumentedAlwaysFamilies()
    {
        var doc = File.ReadAllLines(Path.Combine(MaskStream.Testing.RepositoryRoot.Path, "docs", "METRICS.md"));
        var families = new List<string>();
        foreach (var line in doc)
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            // | name | type | unit | attributes | meaning | Prometheus | exported |
            if (cells.Length == 9 && cells[7] == "always")
                families.Add(cells[6].Trim('`'));
        }
        Assert.True(families.Count >= 20, $"only {families.Count} rows read from docs/METRICS.md");
        return families;
    }

    private sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    private static readonly Regex SampleLine = new(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})?\s+(?<value>\S+)", RegexOptions.CultureInvariant);
    private static readonly Regex Label = new(@"(?<k>[a-zA-Z_][a-zA-Z0-9_]*)=""(?<v>(\\.|[^""\\])*)""", RegexOptions.CultureInvariant);

    private static List<Sample> ParsePrometheus(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var m = SampleLine.Match(line);
            Assert.True(m.Success, $"not a Prometheus sample line: {line}");
            var labels = Label.Matches(m.Groups["labels"].Value).ToDictionary(l => l.Groups["k"].Value, l => l.Groups["v"].Value);
            var value = m.Groups["value"].Value switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                var v => double.Parse(v, CultureInfo.InvariantCulture),
            };
            samples.Add(new Sample(m.Groups["name"].Value, labels, value));
        }
        return samples;
    }

    /// <summary>The value of the one sample of <paramref name="name"/> with these labels (others may be present).</summary>
    private static double Value(List<Sample> samples, string name, params (string Key, string Value)[] labels)
    {
        var matching = samples.Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
        Assert.True(matching.Count == 1, $"{matching.Count} samples of {name}{{{string.Join(',', labels.Select(l => $"{l.Key}={l.Value}"))}}}");
        return matching[0].Value;
    }
}
