using System.Globalization;
using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Service.Tests.Cli;
using MaskStream.Service.Tests.Support;

namespace MaskStream.Service.Tests.Pipeline;

/// <summary><c>maskstream run</c> end to end: the real executable with a random tiny model and its embedded broker on a
/// free loopback port, read by a real MQTT client (mosquitto_sub).</summary>
[Collection(ServiceModelCollection.Name)]
public sealed class ServiceRunTests(DetectModelFixture model)
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Run_FiniteCameraAndEmbeddedBroker_PublishesOneObjectsMessagePerFrameInOrder()
    {
        int port = ServiceProcess.FreePort();
        var jsonl = Path.Combine(Path.GetTempPath(), $"maskstream-run-{Guid.NewGuid():N}", "objects.jsonl");
        using var service = new ServiceProcess([
            "run", $"--Detector:Model={model.ModelDir}", $"--Mqtt:Port={port}", $"--Service:Jsonl={jsonl}",
            "--Cameras:0:Uri=synthetic://walkers?live=false&frames=20&size=320x240",
            "--Cameras:1:Id=door", "--Cameras:1:Uri=rtps://admin:hunter2@10.0.0.9/stream",
            // A random model's scores mean nothing: ByteTrack's thresholds, not those appsettings.json chose for the shipped
            // model (0.95 to start a track, which no detection of this model reaches).
            "--Tracking:HighScoreThreshold=0.5", "--Tracking:NewTrackThreshold=0.6",
            // Time for the subscriber to connect to the broker, which starts with the service, before frames flow.
            "--Service:StartDelay=00:00:05",
        ]);
        var hint = await service.WaitForLineAsync("subscribe: ", StartTimeout);
        Assert.Equal($"subscribe: mosquitto_sub -h 127.0.0.1 -p {port} -V mqttv5 -I maskstream-sub- -t 'maskstream/#' -v", hint);
        using var subscriber = new MqttSubscriber(port);
        // The retained online status reaches a new subscriber at once: it is subscribed.
        await subscriber.WaitForAsync("maskstream/service/status", "\"state\":\"online\"", TimeSpan.FromSeconds(4));

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(100)));
        await subscriber.WaitForAsync("maskstream/service/status", "\"reason\":\"shutdown\"", TimeSpan.FromSeconds(5));

        AssertSchemas(subscriber);
        var frames = subscriber.Payloads("maskstream/synthetic/objects").Select(p => JsonDocument.Parse(p).RootElement).ToList();
        Assert.Equal(Enumerable.Range(0, 20), frames.Select(f => f.GetProperty("frame").GetInt32()));
        var bootIds = new HashSet<string>();
        foreach (var f in frames)
        {
            AssertObjectsMessage(f);
            bootIds.Add(f.GetProperty("boot_id").GetString()!);
        }
        Assert.Single(bootIds);
        Assert.Contains(frames, f => f.GetProperty("objects").GetArrayLength() > 0);

        // Service:Jsonl: the same messages, one per line, but for latency_ms (taken when each is written).
        var lines = File.ReadAllLines(jsonl).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Directory.Delete(Path.GetDirectoryName(jsonl)!, recursive: true);
        Assert.Equal(frames.Count, lines.Count);
        for (int i = 0; i < frames.Count; i++)
        {
            foreach (var field in new[] { "camera", "frame", "capture_time", "boot_id", "width", "height" })
                Assert.Equal(frames[i].GetProperty(field).ToString(), lines[i].GetProperty(field).ToString());
            Assert.Equal(frames[i].GetProperty("objects").GetRawText(), lines[i].GetProperty("objects").GetRawText());
        }

        var synthetic = Statuses(subscriber, "synthetic");
        Assert.Equal("connecting", synthetic[0].GetProperty("state").GetString());
        Assert.Equal("online", synthetic[1].GetProperty("state").GetString());
        Assert.Equal("offline", synthetic[^1].GetProperty("state").GetString());
        var door = Statuses(subscriber, "door");
        Assert.All(door, s => Assert.Equal("offline", s.GetProperty("state").GetString()));
        Assert.Contains("rtps://admin:***@10.0.0.9/stream", door[0].GetProperty("last_error").GetString());
        Assert.DoesNotContain("hunter2", string.Join('\n', subscriber.Messages.Select(m => m.Payload)) + service.StdOut + service.StdErr);
        Assert.Contains("synthetic: 20 frames read, 20 detected, 20 published, 0 dropped, 0 failed", service.StdOut);

        Assert.All(subscriber.Payloads("maskstream/synthetic/events"), e => Assert.Equal("synthetic", JsonDocument.Parse(e).RootElement.GetProperty("camera").GetString()));
    }

    [Fact]
    public async Task Run_Sigterm_DrainsAndPublishesOfflineStatusesBeforeExiting()
    {
        int port = ServiceProcess.FreePort();
        using var service = new ServiceProcess([
            "run", $"--Detector:Model={model.ModelDir}", $"--Mqtt:Port={port}",
            "--Cameras:0:Id=cam", "--Cameras:0:Uri=synthetic://walkers?fps=5&size=160x120",
        ]);
        await service.WaitForLineAsync("subscribe: ", StartTimeout);
        using var subscriber = new MqttSubscriber(port);
        await subscriber.WaitForAsync("maskstream/cam/objects", "\"frame\":", TimeSpan.FromSeconds(30));

        service.Terminate();

        Assert.Equal(0, await service.WaitForExitAsync(TimeSpan.FromSeconds(30)));
        await subscriber.WaitForAsync("maskstream/service/status", "\"reason\":\"shutdown\"", TimeSpan.FromSeconds(5));
        AssertSchemas(subscriber);
        Assert.Equal("offline", Statuses(subscriber, "cam")[^1].GetProperty("state").GetString());
        var numbers = subscriber.Payloads("maskstream/cam/objects").Select(p => JsonDocument.Parse(p).RootElement.GetProperty("frame").GetInt64()).ToList();
        Assert.Equal(numbers.Order(), numbers);
        Assert.Equal(numbers.Distinct(), numbers);
        // Every frame read was detected and published, or dropped and counted: by the live queue when the detector fell
        // behind (a busy machine), or as read just when the stop came.
        var summary = System.Text.RegularExpressions.Regex.Match(service.StdOut,
            @"cam: (\d+) frames read, (\d+) detected, (\d+) published, (\d+) dropped[^,]*, 0 failed");
        Assert.True(summary.Success, service.StdOut);
        var (read, detected, published, dropped) = (N(1), N(2), N(3), N(4));
        Assert.Equal(read, detected + dropped);
        Assert.Equal(detected, published);
        Assert.Equal(published, numbers.Count);

        long N(int group) => long.Parse(summary.Groups[group].Value, CultureInfo.InvariantCulture);
    }

    private static List<JsonElement> Statuses(MqttSubscriber subscriber, string camera)
    {
        var statuses = subscriber.Payloads($"maskstream/{camera}/status").Select(p => JsonDocument.Parse(p).RootElement).ToList();
        Assert.NotEmpty(statuses);
        foreach (var s in statuses)
        {
            Assert.Equal(camera, s.GetProperty("camera").GetString());
            Assert.True(s.GetProperty("fps").GetDouble() >= 0);
        }
        return statuses;
    }

    /// <summary>Every message against the docs/schema file docs/MQTT.md gives its topic: required fields, types, enums,
    /// ranges and no unknown fields.</summary>
    private static void AssertSchemas(MqttSubscriber subscriber)
    {
        var validators = new Dictionary<string, JsonSchemaValidator>();
        foreach (var (topic, payload) in subscriber.Messages)
        {
            var name = JsonSchemaValidator.SchemaForTopic(topic);
            Assert.True(name is not null, $"message on an unknown topic {topic}: {payload}");
            if (!validators.TryGetValue(name!, out var validator))
                validators[name!] = validator = JsonSchemaValidator.Load(name!);
            var errors = validator.Validate(JsonDocument.Parse(payload).RootElement);
            Assert.True(errors.Count == 0, $"{topic} against {name}: {string.Join("; ", errors)}\n{payload}");
        }
    }

    /// <summary>What the schema cannot say about an objects message of this run: its camera, size and clock, and masks
    /// that decode.</summary>
    private static void AssertObjectsMessage(JsonElement f)
    {
        Assert.Equal("synthetic", f.GetProperty("camera").GetString());
        Assert.Equal((320, 240), (f.GetProperty("width").GetInt32(), f.GetProperty("height").GetInt32()));
        Assert.EndsWith("Z", f.GetProperty("capture_time").GetString());
        Assert.True(DateTime.TryParse(f.GetProperty("capture_time").GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _));
        // A 30 fps source: frame n is presented at n/30 s.
        Assert.Equal(f.GetProperty("frame").GetInt32() / 30.0, f.GetProperty("pts").GetDouble(), 6);
        Assert.Equal(JsonValueKind.Number, f.GetProperty("latency_ms").ValueKind);
        Assert.True(Guid.TryParse(f.GetProperty("boot_id").GetString(), out _));
        foreach (var o in f.GetProperty("objects").EnumerateArray())
        {
            Assert.InRange(o.GetProperty("score").GetSingle(), 0.5f, 1f); // Detector:ScoreThreshold's default
            Assert.Equal(4, o.GetProperty("bbox").GetArrayLength());
            Assert.Contains(o.GetProperty("track_state").GetString(), new[] { "new", "tracked", "lost", "removed" });
            Assert.True(o.GetProperty("track_id").GetInt64() > 0);
            var mask = o.GetProperty("mask");
            Assert.Equal([240, 320], mask.GetProperty("size").EnumerateArray().Select(v => v.GetInt32()));
            var rle = RleMask.FromCompressedString(mask.GetProperty("counts").GetString()!, 240, 320);
            Assert.InRange(rle.Area, 0, 240 * 320);
        }
    }
}
