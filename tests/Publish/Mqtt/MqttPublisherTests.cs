using System.Diagnostics.Metrics;
using System.Text.Json;
using MaskStream.Core.Masks;
using MaskStream.Publish.Mqtt;
using MaskStream.Publish.Payloads;
using MaskStream.Publish.Tests.Support;

namespace MaskStream.Publish.Tests.Mqtt;

/// <summary>The publisher against a real mosquitto and a real subscriber (mosquitto_sub).</summary>
public sealed class MqttPublisherTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

    internal static MqttOptions Options(int port, string clientId) => new()
    {
        Mode = MqttMode.External,
        Port = port,
        ClientId = clientId,
        ReconnectDelayMin = TimeSpan.FromMilliseconds(100),
        ReconnectDelayMax = TimeSpan.FromSeconds(1),
        ConnectTimeout = TimeSpan.FromSeconds(5),
    };

    private static MqttPublisher Publisher(MqttOptions options, string? instanceId = null) =>
        new(options, TestFrames.ClassNames, instanceId, random: new Random(42));

    [Fact]
    public async Task RoundTrip_ObjectsStatusEvents_ValidAgainstSchemas_MasksDecodeToWhatWasPublished()
    {
        using var broker = new Mosquitto();
        using var subscriber = new Subscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port);
        await using var publisher = Publisher(Options(broker.Port, "rt-" + Guid.NewGuid().ToString("N")[..8]));
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);

        for (var i = 0; i < 20; i++)
            Assert.True(publisher.PublishObjects(TestFrames.Make("door", i)));
        publisher.PublishCameraStatus("door", "online", 25, null);
        publisher.PublishTrackEvent(new TrackEventMessage("door", TrackEvents.Start, 7, 1, "person", 0, TestFrames.Epoch.UtcDateTime, 0, publisher.BootId));
        Assert.True(await publisher.FlushAsync(Long));
        await subscriber.WaitForAsync(m => m.Count(x => x.Topic.StartsWith("maskstream/door/", StringComparison.Ordinal)) >= 22, Long, "22 door messages");

        var objects = subscriber.Payloads("maskstream/door/objects");
        var schema = JsonSchemaValidator.Load("objects.schema.json");
        Assert.Equal(20, objects.Count);
        for (var i = 0; i < objects.Count; i++)
        {
            Assert.Empty(schema.Validate(JsonDocument.Parse(objects[i]).RootElement));
            var message = JsonSerializer.Deserialize(objects[i], PayloadJsonContext.Default.ObjectsMessage)!;
            Assert.Equal(i, message.Frame);
            Assert.Equal(publisher.BootId, message.BootId);
            var person = message.Objects[0];
            Assert.Equal(TestFrames.PersonMask(i), RleMask.FromCompressedString(person.Mask!.Counts, person.Mask.Size[0], person.Mask.Size[1]));
            Assert.Equal(TestFrames.CarMask(), RleMask.FromCompressedString(message.Objects[1].Mask!.Counts, TestFrames.Height, TestFrames.Width));
        }
        Assert.Empty(JsonSchemaValidator.Load("camera-status.schema.json").Validate(JsonDocument.Parse(subscriber.Payloads("maskstream/door/status").Single()).RootElement));
        Assert.Empty(JsonSchemaValidator.Load("track-event.schema.json").Validate(JsonDocument.Parse(subscriber.Payloads("maskstream/door/events").Single()).RootElement));
        var online = subscriber.Payloads("maskstream/service/status").Select(p => JsonSerializer.Deserialize(p, PayloadJsonContext.Default.ServiceStatusMessage)!).First();
        Assert.Equal(("online", publisher.InstanceId, publisher.BootId), (online.State, online.InstanceId, online.BootId));
        Assert.Equal(22, publisher.PublishedCount);
        Assert.Equal(0, publisher.DroppedCount);
        Assert.Equal(20, publisher.InFlightLimit); // mosquitto's Receive Maximum caps our 100
    }

    [Fact]
    public async Task BrokerDownForFiveSecondsMidRun_EveryMessageArrivesExactlyOnceAfterDedup_InOrder()
    {
        using var broker = new Mosquitto(persistence: true);
        using var subscriber = new Subscriber(broker.Port, "maskstream/+/objects", persistentId: "restart-sub");
        await subscriber.WaitSubscribedAsync(broker.Port, "maskstream/probe/objects");
        var options = Options(broker.Port, "restart-pub");
        await using var publisher = Publisher(options);
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);

        const int frames = 300;
        var brokerStopped = false;
        var stoppedAt = DateTime.MinValue;
        for (var i = 0; i < frames; i++)
        {
            publisher.PublishObjects(TestFrames.Make("cam-a", i));
            publisher.PublishObjects(TestFrames.Make("cam-b", i));
            if (i == 80)
            {
                broker.Stop();
                brokerStopped = true;
                stoppedAt = DateTime.UtcNow;
            }
            if (brokerStopped && i == 200)
            {
                // Keep publishing while the broker is away, then bring it back after ~5 s.
                var wait = TimeSpan.FromSeconds(5) - (DateTime.UtcNow - stoppedAt);
                if (wait > TimeSpan.Zero)
                    await Task.Delay(wait);
                broker.Start();
            }
            await Task.Delay(10);
        }
        Assert.True(await publisher.FlushAsync(Long), $"outbox not drained: {publisher.OutboxDepth} left, last error {publisher.LastError}");
        await subscriber.WaitForAsync(m => Distinct(m).Count >= 2 * frames, Long, $"{2 * frames} distinct frames");

        var received = subscriber.Messages.Where(m => m.Topic != "maskstream/probe/objects")
            .Select(m => JsonSerializer.Deserialize(m.Payload, PayloadJsonContext.Default.ObjectsMessage)!).ToList();
        foreach (var camera in new[] { "cam-a", "cam-b" })
        {
            // A consumer drops duplicates by (camera, frame, boot id); what is left must be every frame, once, in order.
            var firstSeen = new List<long>();
            var seen = new HashSet<(long, Guid)>();
            foreach (var m in received.Where(m => m.Camera == camera))
            {
                if (seen.Add((m.Frame, m.BootId)))
                    firstSeen.Add(m.Frame);
            }
            Assert.Equal(Enumerable.Range(0, frames).Select(i => (long)i), firstSeen);
        }
        Assert.Equal(0, publisher.DroppedCount);
        Assert.True(publisher.ConnectCount >= 2, $"expected a reconnect, connects {publisher.ConnectCount}");
        Assert.True(publisher.FailureCount >= 1);
    }

    private static HashSet<(string, long)> Distinct(IReadOnlyList<(string Topic, string Payload)> messages)
    {
        var set = new HashSet<(string, long)>();
        foreach (var m in messages)
        {
            if (m.Topic.EndsWith("/objects", StringComparison.Ordinal) && !m.Topic.Contains("probe", StringComparison.Ordinal))
            {
                using var doc = JsonDocument.Parse(m.Payload);
                set.Add((doc.RootElement.GetProperty("camera").GetString()!, doc.RootElement.GetProperty("frame").GetInt64()));
            }
        }
        return set;
    }

    [Fact]
    public async Task OutboxOverflowWhileBrokerDown_DropsTheOldestAndCountsEveryDrop()
    {
        using var broker = new Mosquitto(persistence: true);
        using var subscriber = new Subscriber(broker.Port, "maskstream/+/objects", persistentId: "overflow-sub");
        await subscriber.WaitSubscribedAsync(broker.Port, "maskstream/probe/objects");
        var clientId = "overflow-" + Guid.NewGuid().ToString("N")[..8];
        var dropped = new List<(long Value, string Reason)>();
        using var listener = ListenToDrops(clientId, dropped);
        await using var publisher = Publisher(Options(broker.Port, clientId) with { OutboxCapacity = 10 });
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);
        publisher.PublishObjects(TestFrames.Make("door", 0));
        Assert.True(await publisher.FlushAsync(Long));

        broker.Stop();
        await WaitAsync(() => publisher.State != PublisherState.Connected, "the publisher to notice the broker is gone");
        for (var i = 1; i <= 25; i++)
            publisher.PublishObjects(TestFrames.Make("door", i));

        Assert.Equal(15, publisher.DroppedCount);
        Assert.Equal(10, publisher.OutboxDepth);
        lock (dropped)
            Assert.Equal([(15L, "outbox_full")], dropped.GroupBy(d => d.Reason).Select(g => (g.Sum(d => d.Value), g.Key)));

        broker.Start();
        Assert.True(await publisher.FlushAsync(Long), $"outbox not drained: {publisher.LastError}");
        await subscriber.WaitForAsync(m => Distinct(m).Count >= 11, Long, "frame 0 and the 10 newest");
        await Task.Delay(300); // anything wrongly kept would arrive with them
        Assert.Equal([0L, .. Enumerable.Range(16, 10).Select(i => (long)i)], Distinct(subscriber.Messages).Select(k => k.Item2).Order());
    }

    internal static MeterListener ListenToDrops(string clientId, List<(long, string)> sink)
    {
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, l) =>
            {
                if (instrument.Meter.Name == "MaskStream.Publish" && instrument.Name == "maskstream.mqtt.messages.dropped")
                    l.EnableMeasurementEvents(instrument);
            },
        };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            string? client = null, reason = null;
            foreach (var tag in tags)
            {
                if (tag.Key == "client_id") client = tag.Value as string;
                if (tag.Key == "reason") reason = tag.Value as string;
            }
            if (client == clientId)
                lock (sink) sink.Add((value, reason!));
        });
        listener.Start();
        return listener;
    }

    [Fact]
    public async Task WrongCredentials_OneClearErrorNamingTheBroker_NoRetryLoop()
    {
        using var broker = new Mosquitto(account: ("maskstream", "right-password"));
        var options = Options(broker.Port, "creds-" + Guid.NewGuid().ToString("N")[..8]) with { Username = "maskstream", Password = "wrong" };
        var changes = new List<(PublisherState, string?)>();
        await using var publisher = Publisher(options);
        publisher.StateChanged += (s, e) => { lock (changes) changes.Add((s, e)); };

        var e = await Assert.ThrowsAsync<MqttBrokerRefusedException>(() => publisher.StartAsync(new CancellationTokenSource(Long).Token));

        Assert.Contains($"MQTT broker 127.0.0.1:{broker.Port} refused the connection: ", e.Message, StringComparison.Ordinal);
        Assert.Matches(@"(BadUserNameOrPassword \(reason code 134\)|NotAuthorized \(reason code 135\)); check Mqtt:Username and Mqtt:Password$", e.Message);
        Assert.Equal(PublisherState.Failed, publisher.State);
        Assert.Equal(e.Message, publisher.LastError);
        await Task.Delay(1500); // longer than the back-off cap: a retry loop would have tried again by now
        Assert.Equal(1, publisher.FailureCount);
        Assert.Equal(0, publisher.ConnectCount);
        lock (changes)
            Assert.Single(changes, c => c.Item1 == PublisherState.Failed);
        Assert.False(publisher.PublishObjects(TestFrames.Make("door", 1)));

        // The right password on the same broker works: the refusal was about the credentials.
        await using var good = Publisher(options with { Password = "right-password", ClientId = options.ClientId + "-ok" });
        await good.StartAsync(new CancellationTokenSource(Long).Token);
        Assert.Equal(PublisherState.Connected, good.State);
    }

    [Fact]
    public async Task ConnectionKilled_BrokerSendsTheLastWill_WithTheInstanceId()
    {
        using var broker = new Mosquitto();
        using var subscriber = new Subscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port);
        await using var proxy = new TcpProxy(broker.Port);
        await using var publisher = Publisher(Options(proxy.Port, "will-" + Guid.NewGuid().ToString("N")[..8]), instanceId: "edge-7");
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);
        const string topic = "maskstream/service/edge-7/status";
        await subscriber.WaitForAsync(m => m.Any(x => x.Topic == topic && x.Payload.Contains("\"online\"", StringComparison.Ordinal)), Long, "online status");

        proxy.DropAll();

        await subscriber.WaitForAsync(m => m.Any(x => x.Topic == topic && x.Payload.Contains("\"offline\"", StringComparison.Ordinal)), Long, "the last will");
        var will = JsonSerializer.Deserialize(subscriber.Payloads(topic).First(p => p.Contains("\"offline\"", StringComparison.Ordinal)),
            PayloadJsonContext.Default.ServiceStatusMessage)!;
        Assert.Equal(("edge-7", "offline", "connection_lost", publisher.BootId), (will.InstanceId, will.State, will.Reason, will.BootId));
        Assert.Empty(JsonSchemaValidator.Load("service-status.schema.json").Validate(JsonDocument.Parse(subscriber.Payloads(topic).Last()).RootElement));
        // And the publisher comes back by itself.
        await WaitAsync(() => publisher.ConnectCount >= 2 && publisher.State == PublisherState.Connected, "the reconnect");
    }

    [Fact]
    public async Task CleanStop_PublishesOfflineShutdown_NotTheWill()
    {
        using var broker = new Mosquitto();
        using var subscriber = new Subscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port);
        var publisher = Publisher(Options(broker.Port, "stop-" + Guid.NewGuid().ToString("N")[..8]));
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);
        publisher.PublishObjects(TestFrames.Make("door", 1));

        await publisher.DisposeAsync();

        await subscriber.WaitForAsync(m => m.Any(x => x.Topic == "maskstream/service/status" && x.Payload.Contains("\"offline\"", StringComparison.Ordinal)),
            Long, "offline status");
        await Task.Delay(500);
        var statuses = subscriber.Payloads("maskstream/service/status");
        Assert.Single(statuses, s => s.Contains("\"offline\"", StringComparison.Ordinal));
        Assert.Contains("\"reason\":\"shutdown\"", statuses.Last(), StringComparison.Ordinal);
        Assert.Single(subscriber.Payloads("maskstream/door/objects"));
        Assert.Equal(PublisherState.Stopped, publisher.State);
    }

    [Fact]
    public async Task BrokerStopsAcknowledging_PublishTimesOut_ReconnectsAndRepublishes()
    {
        using var broker = new Mosquitto();
        using var subscriber = new Subscriber(broker.Port);
        await subscriber.WaitSubscribedAsync(broker.Port);
        await using var proxy = new TcpProxy(broker.Port);
        var errors = new List<string>();
        await using var publisher = Publisher(Options(proxy.Port, "hang-" + Guid.NewGuid().ToString("N")[..8]) with { PublishTimeout = TimeSpan.FromSeconds(1) });
        publisher.StateChanged += (_, e) => { if (e is not null) lock (errors) errors.Add(e); };
        await publisher.StartAsync(new CancellationTokenSource(Long).Token);

        proxy.FreezeAll(); // the TCP connection stays open, but nothing gets through: no PUBACK
        publisher.PublishObjects(TestFrames.Make("door", 1));
        publisher.PublishObjects(TestFrames.Make("door", 2));

        await subscriber.WaitForAsync(m => Distinct(m).Count >= 2, Long, "both frames after the reconnect");
        Assert.True(await publisher.FlushAsync(Long));
        Assert.Equal(2, publisher.ConnectCount);
        Assert.Equal(2, proxy.ConnectionsAccepted);
        lock (errors)
            Assert.True(errors.Contains($"MQTT broker 127.0.0.1:{proxy.Port} did not acknowledge a publish within 1 s; reconnecting"),
                string.Join(" | ", errors));
        Assert.Equal([1L, 2L], Distinct(subscriber.Messages).Select(k => k.Item2).Order());
    }

    internal static async Task WaitAsync(Func<bool> condition, string what)
    {
        using var cts = new CancellationTokenSource(Long);
        while (!condition())
        {
            try
            {
                await Task.Delay(20, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"waited {Long.TotalSeconds} s for {what}");
            }
        }
    }
}
